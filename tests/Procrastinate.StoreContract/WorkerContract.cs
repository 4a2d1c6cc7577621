using Procrastinate.Storage;

namespace Procrastinate.StoreContract;

/// <summary>Workers, heartbeats, pruning and stalled jobs.</summary>
public abstract class WorkerContract : StoreContract
{
    protected WorkerContract(IStoreHarness harness)
        : base(harness)
    {
    }

    [Fact]
    public async Task Workers_RegisterHeartbeatAndUnregister()
    {
        var first = await Store.RegisterWorkerAsync();
        var second = await Store.RegisterWorkerAsync();
        Assert.Equal((1L, 2L), (first, second));
        AssertClose(await Harness.NowAsync(), (await Harness.WorkersAsync())[0].LastHeartbeat);
        await Harness.AdvanceTimeAsync(TimeSpan.FromHours(1));

        await Store.UpdateHeartbeatAsync(first);
        await Store.UpdateHeartbeatAsync(999);

        var now = await Harness.NowAsync();
        var workers = await Harness.WorkersAsync();
        Assert.Equal([first, second], workers.Select(w => w.Id));
        AssertClose(now, workers[0].LastHeartbeat);
        AssertClose(now.AddHours(-1), workers[1].LastHeartbeat);

        await Store.UnregisterWorkerAsync(second);
        await Store.UnregisterWorkerAsync(999);
        Assert.Equal([first], (await Harness.WorkersAsync()).Select(w => w.Id));
    }

    [Fact]
    public async Task Unregister_KeepsTheWorkersJobs_WithoutAWorker()
    {
        var (id, worker) = await StartJobAsync();
        await Store.FinishJobsAsync([new JobCompletion(id, JobStatus.Succeeded, false)]);
        var (running, _) = await StartJobAsync();

        await Store.UnregisterWorkerAsync(worker);

        var job = await GetJobAsync(id);
        Assert.Equal((JobStatus.Succeeded, (long?)null), (job.Status, job.WorkerId));
        Assert.NotNull((await GetJobAsync(running)).WorkerId);
        Assert.Equal(["deferred", "started", "succeeded"], await EventTypesAsync(id));
    }

    [Fact]
    public async Task PruneStalledWorkers_RemovesOnlyWorkersWithAnOldHeartbeat()
    {
        var (id, stale) = await StartJobAsync();
        await Harness.AdvanceTimeAsync(TimeSpan.FromSeconds(40));
        var alive = await Store.RegisterWorkerAsync();

        var pruned = await Store.PruneStalledWorkersAsync(TimeSpan.FromSeconds(30));

        Assert.Equal([stale], pruned);
        Assert.Null((await GetJobAsync(id)).WorkerId);
        Assert.Equal([alive], (await Harness.WorkersAsync()).Select(w => w.Id));
        Assert.Empty(await Store.PruneStalledWorkersAsync(TimeSpan.FromSeconds(30)));
    }

    [Fact]
    public async Task StalledJobs_AreRunningJobsWithoutAWorkerOrWithAnOldHeartbeat()
    {
        var (orphan, orphanWorker) = await StartJobAsync(Job(task: "t.orphan", queue: "q1"));
        var (stale, _) = await StartJobAsync(Job(task: "t.stale", queue: "q2"));
        var (healthy, healthyWorker) = await StartJobAsync(Job(task: "t.healthy"));
        await DeferAsync(Job());
        await Store.UnregisterWorkerAsync(orphanWorker);
        await Harness.AdvanceTimeAsync(TimeSpan.FromMinutes(1));
        await Store.UpdateHeartbeatAsync(healthyWorker);

        var stalled = await Store.GetStalledJobsAsync(TimeSpan.FromSeconds(30));
        Assert.Equal([orphan, stale], stalled.Select(j => j.Id));
        Assert.All(stalled, j => Assert.Equal(JobStatus.Doing, j.Status));
        Assert.Equal([stale], (await Store.GetStalledJobsAsync(TimeSpan.FromSeconds(30), queue: "q2")).Select(j => j.Id));
        Assert.Equal([orphan], (await Store.GetStalledJobsAsync(TimeSpan.FromSeconds(30), taskName: "t.orphan")).Select(j => j.Id));
        Assert.Empty(await Store.GetStalledJobsAsync(TimeSpan.FromSeconds(30), queue: "q2", taskName: "t.orphan"));
        Assert.Equal([orphan], (await Store.GetStalledJobsAsync(TimeSpan.FromMinutes(5))).Select(j => j.Id));
        Assert.DoesNotContain(healthy, stalled.Select(j => j.Id));
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
        var now = await Harness.NowAsync();

        var retried = await Store.RetryStalledJobsAsync(TimeSpan.FromSeconds(30));

        Assert.Equal([plain, aborting], retried);
        var job = await GetJobAsync(plain);
        Assert.Equal((JobStatus.Todo, 1), (job.Status, job.Attempts));
        AssertClose(now, job.ScheduledAt!.Value);
        Assert.Equal(["deferred", "started", "scheduled", "deferred_for_retry"], await EventTypesAsync(plain));
        var failed = await GetJobAsync(aborting);
        Assert.Equal((JobStatus.Failed, 0), (failed.Status, failed.Attempts));
        Assert.Equal(["deferred", "started", "abort_requested", "failed"], await EventTypesAsync(aborting));
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

        await Harness.AdvanceTimeAsync(TimeSpan.FromHours(1));

        var results = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => Task.Run(async () => await Store.RetryStalledJobsAsync(TimeSpan.FromSeconds(30)))));

        Assert.Equal(ids.Order(), results.SelectMany(r => r).Order());
        var jobs = await Store.ListJobsAsync(JobFilter.All);
        Assert.All(jobs, j => Assert.Equal((JobStatus.Todo, 1), (j.Status, j.Attempts)));
        foreach (var id in ids)
        {
            Assert.Single(await Harness.EventsAsync(id), e => e.Type == "deferred_for_retry");
        }
    }

    [Fact]
    public async Task RetryStalledJobs_LeavesAJobThatALiveWorkerTookAgain()
    {
        var (id, _) = await StartJobAsync();
        await Harness.AdvanceTimeAsync(TimeSpan.FromHours(1));
        Assert.Equal([id], await Store.RetryStalledJobsAsync(TimeSpan.FromSeconds(30)));
        var live = await Store.RegisterWorkerAsync();
        Assert.Equal([id], await FetchIdsAsync(live));

        Assert.Empty(await Store.RetryStalledJobsAsync(TimeSpan.FromSeconds(30)));

        var job = await GetJobAsync(id);
        Assert.Equal((JobStatus.Doing, live, 1), (job.Status, job.WorkerId!.Value, job.Attempts));
    }

    [Fact]
    public async Task RetryStalledJobs_WhenAWaitingJobHoldsAQueueingLock_RetriesNothing()
    {
        var (locked, w1) = await StartJobAsync(Job(queueingLock: "QL"));
        var (other, w2) = await StartJobAsync();
        await DeferAsync(Job(queueingLock: "QL"));
        await Store.UnregisterWorkerAsync(w1);
        await Store.UnregisterWorkerAsync(w2);

        var e = await Assert.ThrowsAsync<AlreadyEnqueuedException>(async () => await Store.RetryStalledJobsAsync(TimeSpan.FromSeconds(30)));

        Assert.Equal("QL", e.QueueingLock);
        Assert.Equal(JobStatus.Doing, await Store.GetJobStatusAsync(locked));
        Assert.Equal(JobStatus.Doing, await Store.GetJobStatusAsync(other));
    }
}
