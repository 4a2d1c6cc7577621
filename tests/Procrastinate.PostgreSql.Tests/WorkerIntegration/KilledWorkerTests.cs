using Procrastinate.PostgreSql.Tests.Infrastructure;
using Procrastinate.TestWorker;

namespace Procrastinate.PostgreSql.Tests.WorkerIntegration;

public sealed class KilledWorkerTests : PostgresTest
{
    private static readonly TimeSpan Heartbeat = TimeSpan.FromMilliseconds(300);
    // Ten heartbeats: a live worker starved of CPU on a loaded machine must still not look stalled.
    private static readonly TimeSpan StalledTimeout = TimeSpan.FromSeconds(3);

    public KilledWorkerTests(DatabaseFixture database)
        : base(database)
    {
    }

    [Fact]
    public async Task WorkerProcessKilledMidJob_AnotherWorkerRunsTheJobAgain_AfterTheStalledTimeout()
    {
        await using var harness = new WorkerHarness(Store);
        using var child = WorkerProcess.Start(Database.ConnectionString, Heartbeat);
        var childWorkerId = long.Parse((await child.WaitForLineAsync("worker ")).Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
        var id = await Block.Configure(app: harness.App).DeferAsync("first");
        await child.WaitForLineAsync($"started {id} ");

        // A live worker's job is not stalled: a second worker leaves it alone past the stalled timeout (its sweeper
        // looks every half timeout).
        var options = new WorkerOptions { Name = "survivor", UpdateHeartbeatInterval = Heartbeat, StalledWorkerTimeout = StalledTimeout };
        await harness.StartAsync(options);
        await Task.Delay(StalledTimeout + TimeSpan.FromSeconds(1));
        Assert.Equal((JobStatus.Doing, childWorkerId), await StatusAndWorkerAsync(id));
        Assert.DoesNotContain(harness.Messages(), m => m.StartsWith("Starting job", StringComparison.Ordinal));

        await child.KillAsync();

        await harness.WaitForStatusAsync(id, JobStatus.Succeeded);
        var job = await GetJobAsync(id);
        Assert.Equal(2, job.Attempts); // One for the stalled run (retried), one for the run that succeeded.
        Assert.Equal(["deferred", "started", "scheduled", "deferred_for_retry", "started", "succeeded"], await Database.EventsAsync(id));
        Assert.Contains(harness.Messages(), m => m.StartsWith($"Recovered 1 stalled job(s): {id}", StringComparison.Ordinal));
        Assert.Equal(0, await Database.ScalarAsync<long>("SELECT count(*) FROM procrastinate_jobs WHERE status = 'doing'"));
    }

    private async Task<(JobStatus, long)> StatusAndWorkerAsync(long id)
    {
        var job = await GetJobAsync(id);
        return (job.Status, job.WorkerId ?? 0);
    }
}
