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

        var retried = await RetryStalledIdsAsync();

        Assert.Equal([plain, aborting], retried);
        var job = await GetJobAsync(plain);
        Assert.Equal((JobStatus.Todo, 1), (job.Status, job.Attempts));
        AssertClose(now, job.ScheduledAt!.Value);
        Assert.Equal(["deferred", "started", "scheduled", "deferred_for_retry"], await EventTypesAsync(plain));
        var failed = await GetJobAsync(aborting);
        Assert.Equal((JobStatus.Failed, 0), (failed.Status, failed.Attempts));
        Assert.Equal(["deferred", "started", "abort_requested", "failed"], await EventTypesAsync(aborting));
        Assert.Equal(JobStatus.Doing, await Store.GetJobStatusAsync(healthy));
        Assert.Empty(await RetryStalledIdsAsync());
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

        var results = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => Task.Run(RetryStalledIdsAsync)));

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
        Assert.Equal([id], await RetryStalledIdsAsync());
        var live = await Store.RegisterWorkerAsync();
        Assert.Equal([id], await FetchIdsAsync(live));

        Assert.Empty(await RetryStalledIdsAsync());

        var job = await GetJobAsync(id);
        Assert.Equal((JobStatus.Doing, live, 1), (job.Status, job.WorkerId!.Value, job.Attempts));
    }

    [Fact]
    public async Task RetryStalledJobs_WhenAWaitingJobHoldsTheQueueingLock_FailsThatJob_AndRetriesTheOthers()
    {
        var (locked, w1) = await StartJobAsync(Job(queueingLock: "QL"));
        var (other, w2) = await StartJobAsync();
        var waiting = await DeferAsync(Job(queueingLock: "QL"));
        await Store.UnregisterWorkerAsync(w1);
        await Store.UnregisterWorkerAsync(w2);

        var handled = await RetryStalledIdsAsync();

        Assert.Equal([locked, other], handled);
        Assert.Equal((JobStatus.Failed, 1), await StatusAndAttemptsAsync(locked));
        Assert.Equal(["deferred", "started", "failed"], await EventTypesAsync(locked));
        Assert.Equal((JobStatus.Todo, 1), await StatusAndAttemptsAsync(other));
        Assert.Equal(["deferred", "started", "scheduled", "deferred_for_retry"], await EventTypesAsync(other));
        Assert.Equal((JobStatus.Todo, 0), await StatusAndAttemptsAsync(waiting));
        Assert.Equal(["deferred"], await EventTypesAsync(waiting));
        Assert.Empty(await RetryStalledIdsAsync());
    }

    [Fact]
    public async Task RetryStalledJobs_SharingAQueueingLock_RetriesTheSmallestId_AndFailsTheOthers()
    {
        var (first, w1) = await StartJobAsync(Job(queueingLock: "QL"));
        var (second, w2) = await StartJobAsync(Job(queueingLock: "QL"));
        var (third, w3) = await StartJobAsync(Job(queueingLock: "QL"));
        await Store.UnregisterWorkerAsync(w1);
        await Store.UnregisterWorkerAsync(w2);
        await Store.UnregisterWorkerAsync(w3);

        var handled = await RetryStalledIdsAsync();

        Assert.Equal([first, second, third], handled);
        Assert.Equal((JobStatus.Todo, 1), await StatusAndAttemptsAsync(first));
        Assert.Equal(["deferred", "started", "scheduled", "deferred_for_retry"], await EventTypesAsync(first));
        Assert.Equal((JobStatus.Failed, 1), await StatusAndAttemptsAsync(second));
        Assert.Equal(["deferred", "started", "failed"], await EventTypesAsync(second));
        Assert.Equal((JobStatus.Failed, 1), await StatusAndAttemptsAsync(third));
        Assert.Equal(["deferred", "started", "failed"], await EventTypesAsync(third));
        Assert.Equal([first], (await Store.ListJobsAsync(new JobFilter { QueueingLock = "QL", Status = JobStatus.Todo })).Select(j => j.Id));
    }

    [Fact]
    public async Task RetryStalledJobs_AnAbortRequestedJob_FailsWithoutTakingTheQueueingLock()
    {
        var (aborting, w1) = await StartJobAsync(Job(queueingLock: "QL"));
        var (next, w2) = await StartJobAsync(Job(queueingLock: "QL"));
        await Store.CancelJobAsync(aborting, abort: true);
        await Store.UnregisterWorkerAsync(w1);
        await Store.UnregisterWorkerAsync(w2);

        Assert.Equal([aborting, next], await RetryStalledIdsAsync());

        Assert.Equal((JobStatus.Failed, 0), await StatusAndAttemptsAsync(aborting));
        Assert.Equal(["deferred", "started", "abort_requested", "failed"], await EventTypesAsync(aborting));
        Assert.Equal((JobStatus.Todo, 1), await StatusAndAttemptsAsync(next));
        Assert.Equal(["deferred", "started", "scheduled", "deferred_for_retry"], await EventTypesAsync(next));
    }

    [Fact]
    public async Task RetryStalledJobs_CountsTheLostRun_AndRecordsEachDecision()
    {
        var (retried, w1) = await StartJobAsync(Job(task: "t.retried", priority: 1));
        var (failed, w2) = await StartJobAsync(Job(task: "t.failed"));
        var (aborting, w3) = await StartJobAsync(Job(task: "t.aborting"));
        await Store.CancelJobAsync(aborting, abort: true);
        await Harness.AdvanceTimeAsync(TimeSpan.FromMinutes(1));
        var now = await Harness.NowAsync();
        var retryAt = now.AddMinutes(10);
        var asked = new List<Job>();

        var handled = await Store.RetryStalledJobsAsync(TimeSpan.FromSeconds(30), job =>
        {
            asked.Add(job);
            return job.TaskName == "t.retried" ? new RetryJobParams(job.Id, retryAt, Priority: 7, Queue: "elsewhere") : null;
        });

        // The decider sees each job still running under its lost worker, before the lost run is counted; an
        // abort-requested job is not asked: it fails whatever the decision.
        Assert.Equal([(retried, w1, 0), (failed, w2, 0)], asked.Select(j => (j.Id, j.WorkerId!.Value, j.Attempts)));
        Assert.All(asked, j => Assert.Equal(JobStatus.Doing, j.Status));
        Assert.Equal(
            [(retried, JobStatus.Todo), (failed, JobStatus.Failed), (aborting, JobStatus.Failed)],
            handled.Select(r => (r.Job.Id, r.Status)));
        Assert.Equal([w1, w2, w3], handled.Select(r => r.Job.WorkerId!.Value));
        Assert.All(handled, r => Assert.Equal((JobStatus.Doing, 0), (r.Job.Status, r.Job.Attempts)));

        var job = await GetJobAsync(retried);
        Assert.Equal((JobStatus.Todo, 1, 7, "elsewhere"), (job.Status, job.Attempts, job.Priority, job.Queue));
        AssertClose(retryAt, job.ScheduledAt!.Value);
        Assert.Equal(["deferred", "started", "scheduled", "deferred_for_retry"], await EventTypesAsync(retried));
        Assert.Equal((JobStatus.Failed, 1), await StatusAndAttemptsAsync(failed));
        Assert.Equal(["deferred", "started", "failed"], await EventTypesAsync(failed));
        Assert.Equal((JobStatus.Failed, 0), await StatusAndAttemptsAsync(aborting));
        Assert.Empty(await RetryStalledIdsAsync());
    }

    [Fact]
    public async Task RetryStalledJobs_AJobLostAgainAndAgain_EndsFailedOnceTheDeciderSaysSo()
    {
        // As the worker decides for a task with two retries (Procrastinate's attempts semantics).
        static RetryJobParams? TwoRetries(Job job) => job.Attempts < 2 ? new RetryJobParams(job.Id, DateTimeOffset.UnixEpoch) : null;
        var id = await DeferAsync(Job());
        var statuses = new List<JobStatus>();
        for (var run = 0; run < 3; run++)
        {
            var worker = await Store.RegisterWorkerAsync();
            Assert.Equal([id], (await Store.FetchJobsAsync(new FetchJobsParams(worker, null))).Select(j => j.Id));
            await Store.UnregisterWorkerAsync(worker);
            statuses.Add(Assert.Single(await Store.RetryStalledJobsAsync(TimeSpan.FromSeconds(30), TwoRetries)).Status);
        }

        Assert.Equal([JobStatus.Todo, JobStatus.Todo, JobStatus.Failed], statuses);
        Assert.Equal((JobStatus.Failed, 3), await StatusAndAttemptsAsync(id));
        Assert.Equal(
            ["deferred", "started", "scheduled", "deferred_for_retry", "started", "scheduled", "deferred_for_retry", "started", "failed"],
            await EventTypesAsync(id));
    }

    [Fact]
    public async Task RetryStalledJobs_ADecisionForAnotherJob_IsRefused_AndChangesNothing()
    {
        var (id, worker) = await StartJobAsync();
        await Store.UnregisterWorkerAsync(worker);

        await Assert.ThrowsAsync<ArgumentException>(
            async () => await Store.RetryStalledJobsAsync(TimeSpan.FromSeconds(30), job => new RetryJobParams(job.Id + 1, DateTimeOffset.UnixEpoch)));

        Assert.Equal((JobStatus.Doing, 0), await StatusAndAttemptsAsync(id));
        Assert.Equal([id], await RetryStalledIdsAsync());
    }

    [Fact]
    public async Task RetryStalledJobs_AFailedDecision_LeavesTheQueueingLockToTheNextStalledJob()
    {
        var (first, w1) = await StartJobAsync(Job(task: "t.failed", queueingLock: "QL"));
        var (second, w2) = await StartJobAsync(Job(task: "t.retried", queueingLock: "QL"));
        await Store.UnregisterWorkerAsync(w1);
        await Store.UnregisterWorkerAsync(w2);

        var handled = await Store.RetryStalledJobsAsync(
            TimeSpan.FromSeconds(30), job => job.TaskName == "t.retried" ? new RetryJobParams(job.Id, DateTimeOffset.UnixEpoch) : null);

        Assert.Equal([(first, JobStatus.Failed), (second, JobStatus.Todo)], handled.Select(r => (r.Job.Id, r.Status)));
        Assert.Equal((JobStatus.Todo, 1), await StatusAndAttemptsAsync(second));
    }

    [Fact]
    public async Task AStaleWorkersOutcome_AfterItsJobWasRecoveredAndTakenByAnother_IsDropped_AndTheNewHoldersApplies()
    {
        var (id, a) = await StartJobAsync();
        await Harness.AdvanceTimeAsync(TimeSpan.FromHours(1));
        Assert.Equal([id], await RetryStalledIdsAsync());
        var b = await Store.RegisterWorkerAsync();
        Assert.Equal([id], await FetchIdsAsync(b));
        var events = await EventTypesAsync(id);

        // Worker A comes back from its outage with the outcomes of its lost run: none may land on B's run.
        await Store.FinishJobsAsync([new JobCompletion(id, JobStatus.Succeeded, false) { WorkerId = a }]);
        await Store.RetryJobAsync(new RetryJobParams(id, DateTimeOffset.UnixEpoch) { WorkerId = a });
        await Store.FinishJobsAsync([new JobCompletion(id, JobStatus.Failed, true) { WorkerId = a }]);
        var job = await GetJobAsync(id);
        Assert.Equal((JobStatus.Doing, (long?)b, 1), (job.Status, job.WorkerId, job.Attempts));

        await Store.FinishJobsAsync([new JobCompletion(id, JobStatus.Succeeded, false) { WorkerId = b }]);

        Assert.Equal((JobStatus.Succeeded, 2), await StatusAndAttemptsAsync(id));
        Assert.Equal([.. events, "succeeded"], await EventTypesAsync(id));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task AStaleOutcomeInABatch_IsDropped_WithoutHoldingBackTheOthers(bool withFetch)
    {
        var (recovered, a) = await StartJobAsync(Job(task: "t.recovered"));
        await Harness.AdvanceTimeAsync(TimeSpan.FromHours(1));
        var later = (await Harness.NowAsync()).AddHours(1);
        Assert.Equal(
            [recovered],
            (await Store.RetryStalledJobsAsync(TimeSpan.FromSeconds(30), job => new RetryJobParams(job.Id, later))).Select(r => r.Job.Id));
        var (live, c) = await StartJobAsync(Job(task: "t.live"));
        var (second, _) = await StartJobAsync(Job(task: "t.second"));
        await Store.UpdateHeartbeatAsync(c);
        IReadOnlyList<JobCompletion> batch =
        [
            new JobCompletion(recovered, JobStatus.Succeeded, false) { WorkerId = a },
            new JobCompletion(live, JobStatus.Failed, false) { WorkerId = c },
            new JobCompletion(second, JobStatus.Succeeded, false) { WorkerId = c },
        ];

        if (withFetch)
        {
            Assert.Empty(await Store.FinishAndFetchJobsAsync(batch, new FetchJobsParams(c, null)));
        }
        else
        {
            await Store.FinishJobsAsync(batch);
        }

        Assert.Equal((JobStatus.Todo, 1), await StatusAndAttemptsAsync(recovered));
        Assert.Equal((JobStatus.Failed, 1), await StatusAndAttemptsAsync(live));
        Assert.Equal((JobStatus.Doing, 0), await StatusAndAttemptsAsync(second));
    }

    [Fact]
    public async Task AWorkersOutcome_ForAJobItNoLongerHolds_IsDropped_ButForAJobThatLostItsWorkerRow_Applies()
    {
        var (orphan, a) = await StartJobAsync(Job(task: "t.orphan"));
        var (held, b) = await StartJobAsync(Job(task: "t.held"));
        await Store.UnregisterWorkerAsync(a);

        // Nobody took the orphan since its worker row went: the outcome of its run still applies.
        await Store.RetryJobAsync(new RetryJobParams(orphan, DateTimeOffset.UnixEpoch) { WorkerId = a });
        // A worker's outcome for a job another worker holds is dropped; so is one for a job that is gone.
        await Store.FinishJobsAsync([new JobCompletion(held, JobStatus.Succeeded, false) { WorkerId = a }]);
        await Store.FinishJobsAsync([new JobCompletion(999_999, JobStatus.Succeeded, false) { WorkerId = a }]);
        await Store.RetryJobAsync(new RetryJobParams(999_999, DateTimeOffset.UnixEpoch) { WorkerId = a });

        Assert.Equal((JobStatus.Todo, 1), await StatusAndAttemptsAsync(orphan));
        var job = await GetJobAsync(held);
        Assert.Equal((JobStatus.Doing, (long?)b, 0), (job.Status, job.WorkerId, job.Attempts));
    }

    [Fact]
    public async Task AWorkersOutcomeNamedTwiceInABatch_AppliesOnce()
    {
        var (id, a) = await StartJobAsync();

        await Store.FinishJobsAsync(
        [
            new JobCompletion(id, JobStatus.Succeeded, false) { WorkerId = a },
            new JobCompletion(id, JobStatus.Failed, false) { WorkerId = a },
        ]);

        Assert.Equal((JobStatus.Succeeded, 1), await StatusAndAttemptsAsync(id));
    }

    private async Task<List<long>> RetryStalledIdsAsync() =>
        (await Store.RetryStalledJobsAsync(TimeSpan.FromSeconds(30))).Select(r => r.Job.Id).ToList();

    private async Task<(JobStatus Status, int Attempts)> StatusAndAttemptsAsync(long id)
    {
        var job = await GetJobAsync(id);
        return (job.Status, job.Attempts);
    }
}
