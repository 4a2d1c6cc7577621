using Procrastinate.PostgreSql.Tests.Infrastructure;
using Procrastinate.TestWorker;

namespace Procrastinate.PostgreSql.Tests.WorkerIntegration;

/// <summary>
/// A worker process whose jobs ignore their abort still ends: their jobs are recorded per their retry strategy, the
/// worker unregisters and exits with 3 (issue 18, item 1).
/// </summary>
public sealed class BoundedShutdownTests : PostgresTest
{
    private static readonly TimeSpan Heartbeat = TimeSpan.FromMilliseconds(500);
    private static readonly TimeSpan ExitLimit = TimeSpan.FromSeconds(60);

    public BoundedShutdownTests(DatabaseFixture database)
        : base(database)
    {
    }

    [Fact]
    public async Task AfterTheGracefulAndAbortTimeouts_JobsIgnoringTheirAbortAreRecorded_AndTheWorkerExitsWith3()
    {
        using var child = WorkerProcess.Start(Database.ConnectionString, Heartbeat, new Dictionary<string, string>
        {
            ["CONCURRENCY"] = "2",
            ["GRACEFUL_TIMEOUT_MS"] = "500",
            ["ABORT_TIMEOUT_MS"] = "500",
        });
        var (failing, retried) = await StartStubbornJobsAsync(child);

        var code = await child.TerminateAsync(ExitLimit);

        await AssertLeftJobsRecordedAsync(child, code, failing, retried);
    }

    [Fact]
    public async Task ASecondSignal_EndsTheWorker_EvenWithoutAGracefulTimeout()
    {
        using var child = WorkerProcess.Start(Database.ConnectionString, Heartbeat, new Dictionary<string, string>
        {
            ["CONCURRENCY"] = "2",
        });
        var (failing, retried) = await StartStubbornJobsAsync(child);

        await child.SignalAsync("TERM");
        await child.SignalAsync("INT");
        var code = await child.WaitForExitAsync(ExitLimit);

        await AssertLeftJobsRecordedAsync(child, code, failing, retried);
    }

    private async Task<(long Failing, long Retried)> StartStubbornJobsAsync(WorkerProcess child)
    {
        await child.WaitForLineAsync("worker ");
        var app = new ProcrastinateApp(Store, new ProcrastinateAppOptions
        {
            Tasks = new TaskRegistry([IgnoreAbort.Definition, IgnoreAbortRetried.Definition]),
        });
        var failing = await IgnoreAbort.Configure(app: app).DeferAsync("no retry");
        var retried = await IgnoreAbortRetried.Configure(app: app).DeferAsync("retries");
        await child.WaitForLineAsync($"started {failing} ");
        await child.WaitForLineAsync($"started {retried} ");
        return (failing, retried);
    }

    private async Task AssertLeftJobsRecordedAsync(WorkerProcess child, int code, long failing, long retried)
    {
        Assert.True(code == 3, $"Exit code {code}. Output:{Environment.NewLine}{child.Output}");
        Assert.Contains("stopped, 2 job(s) left running", child.Output, StringComparison.Ordinal);
        Assert.Equal(JobStatus.Failed, (await GetJobAsync(failing)).Status);
        var retry = await GetJobAsync(retried);
        Assert.Equal((JobStatus.Todo, 1), (retry.Status, retry.Attempts));
        Assert.Equal(0, await Database.ScalarAsync<long>("SELECT count(*) FROM procrastinate_workers"));
        Assert.Equal(0, await Database.ScalarAsync<long>("SELECT count(*) FROM procrastinate_jobs WHERE status = 'doing'"));
        Assert.Contains("deferred_for_retry", await Database.EventsAsync(retried));
    }
}
