using System.Reflection;
using Procrastinate.PostgreSql.Tests.Infrastructure;
using Procrastinate.PostgreSql.Tests.WorkerIntegration;

namespace Procrastinate.Hosting.Tests;

/// <summary>End to end: samples/HostedWorker, the service docs/hosting.md describes, run as a process.</summary>
public sealed class HostedWorkerSampleTests : IClassFixture<DatabaseFixture>
{
    private const int Signups = 3;
    private const string Task = "hosted_worker.send_welcome_email";
    // The sample's Procrastinate:ShutdownGracefulTimeout (appsettings.json), plus room for a loaded machine.
    private static readonly TimeSpan StopLimit = TimeSpan.FromSeconds(20) + TimeSpan.FromSeconds(40);
    private readonly DatabaseFixture _database;

    public HostedWorkerSampleTests(DatabaseFixture database)
    {
        _database = database;
    }

    [Fact]
    public async Task Sample_RunsTheJobsItDefers_ThenStopsOnSigterm_WithExitCode0_AndUnregistersItsWorker()
    {
        await _database.ResetAsync();
        var dll = typeof(HostedWorkerSampleTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .Single(a => a.Key == "HostedWorkerSampleDll").Value!;
        using var sample = WorkerProcess.Start(dll, new Dictionary<string, string>
        {
            ["ConnectionStrings__Procrastinate"] = _database.ConnectionString,
            ["Sample__Signups"] = Signups.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Sample__ApplySchema"] = "true", // The schema is there already: this only adds the trace context table.
            ["Sample__StoreTraceContext"] = "true",
        });

        await Eventually.TrueAsync(
            async () => sample.HasExited || await SucceededAsync() == Signups,
            $"{Signups} succeeded {Task} jobs",
            TimeSpan.FromMinutes(2));
        Assert.False(sample.HasExited, $"The sample exited early. Output:{Environment.NewLine}{sample.Output}");
        Assert.Equal(Signups, await _database.CountJobsAsync());
        Assert.Equal(Signups, await _database.ScalarAsync<long>("SELECT count(*) FROM procrastinate_dotnet_trace_contexts"));
        Assert.Equal(1, await _database.ScalarAsync<long>("SELECT count(*) FROM procrastinate_workers"));

        var exitCode = await sample.TerminateAsync(StopLimit);

        Assert.True(exitCode == 0, $"Exit code {exitCode}. Output:{Environment.NewLine}{sample.Output}");
        Assert.Equal(0, await _database.ScalarAsync<long>("SELECT count(*) FROM procrastinate_workers"));
        Assert.Contains("Sent the welcome email to user3@example.com", sample.Output, StringComparison.Ordinal);
    }

    private async Task<long> SucceededAsync() => await _database.ScalarAsync<long>(
        "SELECT count(*) FROM procrastinate_jobs WHERE task_name = $1 AND status = 'succeeded'", Task);
}
