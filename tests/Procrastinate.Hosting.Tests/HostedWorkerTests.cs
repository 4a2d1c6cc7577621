using System.Diagnostics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Procrastinate.Diagnostics;
using Procrastinate.Generated;
using Procrastinate.PostgreSql.Tests.Infrastructure;
using Procrastinate.Storage;

namespace Procrastinate.Hosting.Tests;

public sealed class HostedWorkerTests : IClassFixture<DatabaseFixture>, IAsyncLifetime
{
    private static readonly TimeSpan GracefulTimeout = TimeSpan.FromSeconds(20);
    private readonly DatabaseFixture _database;

    public HostedWorkerTests(DatabaseFixture database)
    {
        _database = database;
    }

    public async Task InitializeAsync()
    {
        await _database.ResetAsync();
        await _database.Store.Schema.ApplyTraceContextTableAsync();
        HostedTasks.Greeted.Clear();
        HostedTasks.FlakyRuns.Clear();
    }

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task Host_RunsJobsDeferredThroughDi_ReportsHealth_TracesAndMeasures_AndStopsGracefully()
    {
        using var telemetry = new Telemetry();
        using var host = BuildHost(("Procrastinate:ShutdownGracefulTimeout", GracefulTimeout.ToString()));
        await host.StartAsync();
        var service = host.Services.GetRequiredService<ProcrastinateWorkerService>();
        await service.Worker!.Started.WaitAsync(TimeSpan.FromSeconds(30));

        long greetId, diId, flakyId, failId;
        using (var root = Telemetry.TestSource.StartActivity("request"))
        {
            Assert.NotNull(root);
            greetId = await Greet.DeferAsync("through the default app");
            diId = await host.Services.GetRequiredService<Greeter>().GreetLaterAsync("through an injected app");
            flakyId = await Flaky.DeferAsync("k");
            failId = await Fail.DeferAsync();
        }

        await WaitForStatusAsync(greetId, JobStatus.Succeeded);
        await WaitForStatusAsync(diId, JobStatus.Succeeded);
        await WaitForStatusAsync(flakyId, JobStatus.Succeeded);
        await WaitForStatusAsync(failId, JobStatus.Failed);
        Assert.Equal(["through an injected app", "through the default app"], HostedTasks.Greeted.Order());
        Assert.Same(host.Services.GetRequiredService<ProcrastinateApp>(), ProcrastinateApp.Default);

        var health = await host.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync();
        Assert.Equal(HealthStatus.Healthy, health.Status);
        Assert.Equal(
            [ProcrastinateHealthChecks.Connection, ProcrastinateHealthChecks.Schema, ProcrastinateHealthChecks.Worker],
            health.Entries.Keys.Order());
        Assert.Equal(service.Worker.Id, health.Entries[ProcrastinateHealthChecks.Worker].Data["worker_id"]);

        // A job still running when the host stops finishes within the graceful timeout.
        var sleepId = await Sleep.DeferAsync(1500);
        await WaitForStatusAsync(sleepId, JobStatus.Doing);
        var stopwatch = Stopwatch.StartNew();
        await host.StopAsync();
        stopwatch.Stop();

        Assert.True(stopwatch.Elapsed < GracefulTimeout, $"stopping took {stopwatch.Elapsed}");
        Assert.Equal(JobStatus.Succeeded, await _database.Store.GetJobStatusAsync(sleepId));
        Assert.Equal(0, await _database.ScalarAsync<long>("SELECT count(*) FROM procrastinate_workers"));
        Assert.True(service.HasEnded);
        var afterStop = await host.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync();
        Assert.Equal(HealthStatus.Unhealthy, afterStop.Entries[ProcrastinateHealthChecks.Worker].Status);

        AssertSpans(telemetry, greetId, failId);
        AssertMetrics(telemetry);
    }

    [Fact]
    public async Task HostStop_AbortsAJobThatOutlivesTheGracefulTimeout()
    {
        using var host = BuildHost(("Procrastinate:ShutdownGracefulTimeout", "00:00:01"));
        await host.StartAsync();
        await host.Services.GetRequiredService<ProcrastinateWorkerService>().Worker!.Started.WaitAsync(TimeSpan.FromSeconds(30));
        var id = await Sleep.DeferAsync(600_000);
        await WaitForStatusAsync(id, JobStatus.Doing);

        var stopwatch = Stopwatch.StartNew();
        await host.StopAsync();

        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(20), $"stopping took {stopwatch.Elapsed}");
        Assert.Equal(JobStatus.Aborted, await _database.Store.GetJobStatusAsync(id));
    }

    [Fact]
    public async Task WorkerOptions_ComeFromTheProcrastinateSection_OverThoseSetInCode()
    {
        using var host = BuildHost(("Procrastinate:Concurrency", "3"), ("Procrastinate:Name", "from-config"));
        await host.StartAsync();
        var worker = host.Services.GetRequiredService<ProcrastinateWorkerService>().Worker!;
        await worker.Started.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal((3, "from-config"), (worker.Concurrency, worker.Name));
        Assert.Equal(["hosted"], worker.Queues!);
        Assert.Equal(TimeSpan.FromSeconds(5), worker.StalledWorkerTimeout);
        await host.StopAsync();
    }

    [Theory]
    [InlineData("Procrastinate:Concurrency", "0", "Concurrency")]
    [InlineData("Procrastinate:Queues:1", "", "Queues")]
    [InlineData("Procrastinate:Queues:1", "forty-one-bytes-is-one-byte-over-the-limit", "Queues")]
    [InlineData("Procrastinate:Queues:1", "a\nb", "Queues")]
    public async Task InvalidWorkerOptionInConfiguration_FailsTheHostStart_WithTheOptionNamed(string key, string value, string option)
    {
        using var host = BuildHost((key, value));

        var error = await Assert.ThrowsAsync<ArgumentException>(() => host.StartAsync());

        Assert.Equal(option, error.ParamName);
        Assert.Contains(option, error.Message, StringComparison.Ordinal);
    }

    private static void AssertSpans(Telemetry telemetry, long greetId, long failId)
    {
        var spans = telemetry.Stopped.ToList();
        var root = Assert.Single(spans, s => s.OperationName == "request");
        var defers = spans.Where(s => s.Kind == ActivityKind.Producer).ToList();
        Assert.Equal(5, defers.Count);
        Assert.All(defers.Take(4), d => Assert.Equal(root.SpanId, d.ParentSpanId));
        var greetDefer = defers.Single(d => d.GetTagItem("messaging.message.id") as string == greetId.ToString());
        Assert.Equal("defer hosted", greetDefer.DisplayName);
        Assert.Equal("procrastinate", greetDefer.GetTagItem("messaging.system"));
        Assert.Equal("hosted", greetDefer.GetTagItem("messaging.destination.name"));
        Assert.Equal("send", greetDefer.GetTagItem("messaging.operation.type"));
        Assert.Equal("hosting_tests.greet", greetDefer.GetTagItem("procrastinate.task.name"));

        // The run, in the worker, continues the trace of the defer through the context stored with the job.
        var greetRun = spans.Single(s => s.Kind == ActivityKind.Consumer && s.GetTagItem("messaging.message.id") as string == greetId.ToString());
        Assert.Equal("process hosted", greetRun.DisplayName);
        Assert.Equal(root.TraceId, greetRun.TraceId);
        Assert.Equal(greetDefer.SpanId, greetRun.ParentSpanId);
        Assert.Equal(greetDefer.SpanId, Assert.Single(greetRun.Links).Context.SpanId);
        Assert.Equal("succeeded", greetRun.GetTagItem("procrastinate.job.outcome"));
        Assert.Equal(ActivityStatusCode.Unset, greetRun.Status);

        var failRun = spans.Single(s => s.Kind == ActivityKind.Consumer && s.GetTagItem("messaging.message.id") as string == failId.ToString());
        Assert.Equal(ActivityStatusCode.Error, failRun.Status);
        Assert.Equal(typeof(NotSupportedException).FullName, failRun.GetTagItem("error.type"));
        Assert.Contains(failRun.Events, e => e.Name == "exception");

        var flakyRuns = spans.Where(s => s.Kind == ActivityKind.Consumer && s.GetTagItem("procrastinate.task.name") as string == "hosting_tests.flaky").ToList();
        Assert.Equal(["retried", "succeeded"], flakyRuns.Select(s => s.GetTagItem("procrastinate.job.outcome")).ToList());
        Assert.Equal([0, 1], flakyRuns.Select(s => (int)s.GetTagItem("procrastinate.job.attempts")!).ToList());
    }

    private static void AssertMetrics(Telemetry telemetry)
    {
        Assert.Equal(2, telemetry.Sum(ProcrastinateInstrumentation.JobsDeferred, "hosting_tests.greet"));
        Assert.Equal(2, telemetry.Sum(ProcrastinateInstrumentation.JobsStarted, "hosting_tests.greet"));
        Assert.Equal(2, telemetry.Sum(ProcrastinateInstrumentation.JobsSucceeded, "hosting_tests.greet"));
        Assert.Equal(2, telemetry.Sum(ProcrastinateInstrumentation.JobsStarted, "hosting_tests.flaky"));
        Assert.Equal(1, telemetry.Sum(ProcrastinateInstrumentation.JobsRetried, "hosting_tests.flaky"));
        Assert.Equal(1, telemetry.Sum(ProcrastinateInstrumentation.JobsSucceeded, "hosting_tests.flaky"));
        Assert.Equal(1, telemetry.Sum(ProcrastinateInstrumentation.JobsFailed, "hosting_tests.fail"));
        Assert.Equal(0, telemetry.Sum(ProcrastinateInstrumentation.JobsFailed, "hosting_tests.greet"));
        var durations = telemetry.Measurements.Where(m => m.Instrument == ProcrastinateInstrumentation.JobDuration).ToList();
        Assert.Equal(6, durations.Count);
        Assert.Contains(durations, d => d.Tag("procrastinate.job.outcome") == "failed" && d.Tag("messaging.destination.name") == "hosted");
        Assert.Equal(5, telemetry.Measurements.Count(m => m.Instrument == ProcrastinateInstrumentation.DeferDuration));
    }

    private IHost BuildHost(params (string Key, string Value)[] settings)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(
        [
            new("ConnectionStrings:jobs", _database.ConnectionString),
            new("Procrastinate:Queues:0", "hosted"),
            new("Procrastinate:FetchJobPollingInterval", "00:00:00.200"),
            new("Procrastinate:UpdateHeartbeatInterval", "00:00:01"),
            .. settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value)),
        ]);
        builder.Services.AddProcrastinate(options =>
        {
            options.ConnectionStringName = "jobs";
            options.StoreTraceContext = true;
            options.AddTasks(ProcrastinateHostingTestsTasks.All);
            options.Worker = new WorkerOptions { Name = "from-code", StalledWorkerTimeout = TimeSpan.FromSeconds(5) };
        });
        builder.Services.AddProcrastinateWorker();
        builder.Services.AddSingleton<Greeter>();
        builder.Services.AddHealthChecks().AddProcrastinateHealthChecks();
        return builder.Build();
    }

    private async Task WaitForStatusAsync(long id, JobStatus status)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (await _database.Store.GetJobStatusAsync(id) != status)
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"job {id} did not reach {status} (it is {await _database.Store.GetJobStatusAsync(id)})");
            }

            await Task.Delay(50);
        }
    }
}
