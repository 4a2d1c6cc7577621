using Procrastinate.PostgreSql.Tests.Infrastructure;
using Procrastinate.Storage;

namespace Procrastinate.PostgreSql.Tests;

public sealed class WorkerTests : PostgresTest
{
    public WorkerTests(DatabaseFixture database)
        : base(database)
    {
    }

    [Fact]
    public async Task Workers_RegisterHeartbeatAndUnregister()
    {
        var first = await Store.RegisterWorkerAsync();
        var second = await Store.RegisterWorkerAsync();
        Assert.NotEqual(first, second);
        await Database.ExecuteAsync("UPDATE procrastinate_workers SET last_heartbeat = now() - interval '1 hour'");

        await Store.UpdateHeartbeatAsync(first);
        Assert.True(await Database.ScalarAsync<bool>("SELECT last_heartbeat > now() - interval '1 minute' FROM procrastinate_workers WHERE id = $1", first));

        await Store.UnregisterWorkerAsync(second);
        Assert.Equal(1, await Database.ScalarAsync<long>("SELECT count(*) FROM procrastinate_workers"));
    }

    [Fact]
    public async Task Unregister_KeepsTheWorkersJobs_WithoutAWorker()
    {
        var (id, worker) = await StartJobAsync();

        await Store.UnregisterWorkerAsync(worker);

        var job = await GetJobAsync(id);
        Assert.Equal((JobStatus.Doing, (long?)null), (job.Status, job.WorkerId));
    }

    [Fact]
    public async Task PruneStalledWorkers_RemovesOnlyWorkersWithAnOldHeartbeat()
    {
        var (id, stale) = await StartJobAsync();
        var alive = await Store.RegisterWorkerAsync();
        await Database.ExecuteAsync("UPDATE procrastinate_workers SET last_heartbeat = now() - interval '40 seconds' WHERE id = $1", stale);

        var pruned = await Store.PruneStalledWorkersAsync(TimeSpan.FromSeconds(30));

        Assert.Equal([stale], pruned);
        Assert.Null((await GetJobAsync(id)).WorkerId);
        Assert.Equal(alive, await Database.ScalarAsync<long>("SELECT id FROM procrastinate_workers"));
    }

    [Fact]
    public async Task StalledJobs_AreRunningJobsWithoutAWorkerOrWithAnOldHeartbeat()
    {
        var (orphan, orphanWorker) = await StartJobAsync(Job(task: "t.orphan", queue: "q1"));
        var (stale, staleWorker) = await StartJobAsync(Job(task: "t.stale", queue: "q2"));
        var (healthy, _) = await StartJobAsync(Job(task: "t.healthy"));
        await DeferAsync(Job());
        await Store.UnregisterWorkerAsync(orphanWorker);
        await Database.ExecuteAsync("UPDATE procrastinate_workers SET last_heartbeat = now() - interval '1 minute' WHERE id = $1", staleWorker);

        Assert.Equal([orphan, stale], (await Store.GetStalledJobsAsync(TimeSpan.FromSeconds(30))).Select(j => j.Id));
        Assert.Equal([stale], (await Store.GetStalledJobsAsync(TimeSpan.FromSeconds(30), queue: "q2")).Select(j => j.Id));
        Assert.Equal([orphan], (await Store.GetStalledJobsAsync(TimeSpan.FromSeconds(30), taskName: "t.orphan")).Select(j => j.Id));
        Assert.Equal([orphan], (await Store.GetStalledJobsAsync(TimeSpan.FromMinutes(5))).Select(j => j.Id));
        Assert.DoesNotContain(healthy, (await Store.GetStalledJobsAsync(TimeSpan.FromSeconds(30))).Select(j => j.Id));
    }

    [Fact]
    public async Task RetryStalledJobs_PutsThemBackOnce_AndFailsAbortRequestedOnes()
    {
        var (plain, w1) = await StartJobAsync();
        var (aborting, w2) = await StartJobAsync();
        var (healthy, _) = await StartJobAsync();
        await Store.CancelJobAsync(aborting, abort: true);
        await Store.UnregisterWorkerAsync(w1);
        await Store.UnregisterWorkerAsync(w2);

        var retried = await Store.RetryStalledJobsAsync(TimeSpan.FromSeconds(30));

        Assert.Equal([plain, aborting], retried);
        var job = await GetJobAsync(plain);
        Assert.Equal((JobStatus.Todo, 1), (job.Status, job.Attempts));
        Assert.Equal(["deferred", "started", "scheduled", "deferred_for_retry"], await Database.EventsAsync(plain));
        Assert.Equal(JobStatus.Failed, await Store.GetJobStatusAsync(aborting));
        Assert.Equal(JobStatus.Doing, await Store.GetJobStatusAsync(healthy));
        Assert.Empty(await Store.RetryStalledJobsAsync(TimeSpan.FromSeconds(30)));
    }

    [Fact]
    public async Task RetryStalledJobs_FromRacingWorkers_RetriesEachJobExactlyOnce()
    {
        var ids = new List<long>();
        for (var i = 0; i < 30; i++)
        {
            ids.Add((await StartJobAsync()).JobId);
        }

        await Database.ExecuteAsync("UPDATE procrastinate_workers SET last_heartbeat = now() - interval '1 hour'");

        var results = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => Task.Run(async () => await Store.RetryStalledJobsAsync(TimeSpan.FromSeconds(30)))));

        var all = results.SelectMany(r => r).ToList();
        Assert.Equal(ids.Order(), all.Order());
        Assert.Equal(30, await Database.ScalarAsync<long>("SELECT count(*) FROM procrastinate_jobs WHERE status = 'todo' AND attempts = 1"));
        Assert.Equal(30, await Database.ScalarAsync<long>("SELECT count(*) FROM procrastinate_events WHERE type = 'deferred_for_retry'"));
    }

    [Fact]
    public async Task RetryStalledJobs_LeavesAJobThatALiveWorkerTookAgain()
    {
        var (id, deadWorker) = await StartJobAsync();
        await Database.ExecuteAsync("UPDATE procrastinate_workers SET last_heartbeat = now() - interval '1 hour' WHERE id = $1", deadWorker);
        Assert.Equal([id], await Store.RetryStalledJobsAsync(TimeSpan.FromSeconds(30)));
        var live = await Store.RegisterWorkerAsync();
        Assert.Equal(id, Assert.Single(await Store.FetchJobsAsync(new FetchJobsParams(live, null))).Id);

        Assert.Empty(await Store.RetryStalledJobsAsync(TimeSpan.FromSeconds(30)));

        var job = await GetJobAsync(id);
        Assert.Equal((JobStatus.Doing, live, 1), (job.Status, job.WorkerId!.Value, job.Attempts));
    }
}
