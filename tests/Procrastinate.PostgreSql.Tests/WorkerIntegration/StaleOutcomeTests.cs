using Microsoft.Extensions.Logging;
using Procrastinate.PostgreSql.Tests.Infrastructure;
using Procrastinate.Storage;
using Procrastinate.Tests.Workers;

namespace Procrastinate.PostgreSql.Tests.WorkerIntegration;

/// <summary>
/// A worker whose job was given back while it still ran it (stalled-job recovery, here by the contract's retry as a
/// Python worker's sweep does it) and then taken by another worker: when its run ends, its outcome is dropped, with a
/// warning, instead of ending the other worker's run (issue 18, outcome fencing).
/// </summary>
public sealed class StaleOutcomeTests : PostgresTest
{
    public StaleOutcomeTests(DatabaseFixture database)
        : base(database)
    {
    }

    [Fact]
    public async Task TheOutcomeOfARunWhoseJobWasRecoveredAndTakenByAnotherWorker_IsDropped_AndTheOtherRunGoesOn()
    {
        var storeLogs = new CapturingLoggerFactory();
        await using var store = new PostgreSqlJobStore(new PostgreSqlJobStoreOptions
        {
            ConnectionString = Database.ConnectionString,
            LoggerFactory = storeLogs,
        });
        await using var harness = new WorkerHarness(store);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        harness.Probe.Body = (_, _) => release.Task;
        var id = await Work.Configure(app: harness.App).DeferAsync(1);
        var (a, _) = await harness.StartAsync(new WorkerOptions { Concurrency = 1 });
        await harness.Probe.WaitStartedAsync(id);
        var holder = (await GetJobAsync(id)).WorkerId;

        // Recovered while worker A still runs it, then taken by worker B.
        await store.RetryJobAsync(new RetryJobParams(id, DateTimeOffset.UtcNow.AddSeconds(-1)));
        var b = await store.RegisterWorkerAsync();
        Assert.Equal([id], (await store.FetchJobsAsync(new FetchJobsParams(b, null))).Select(j => j.Id));

        release.SetResult();
        await Eventually.TrueAsync(
            () => storeLogs.Records.Any(r => r.Level == LogLevel.Warning && r.Message.Contains($"Dropped the finish of job {id} from worker {holder}", StringComparison.Ordinal)),
            "worker A's outcome to be dropped");

        var job = await GetJobAsync(id);
        Assert.Equal((JobStatus.Doing, (long?)b, 1), (job.Status, job.WorkerId, job.Attempts));
        Assert.Equal(["deferred", "started", "deferred_for_retry", "started"], (await Database.EventsAsync(id)).Where(e => e != "scheduled"));
        Assert.Equal(1, harness.Probe.RunCount(id));
        Assert.False(a.IsStopping);
    }
}
