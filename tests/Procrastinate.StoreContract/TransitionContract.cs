using Procrastinate.Storage;

namespace Procrastinate.StoreContract;

/// <summary>Every transition of SCHEMA.md 2.11, with its events (types, order and times) and attempts.</summary>
public abstract class TransitionContract : StoreContract
{
    protected TransitionContract(IStoreHarness harness)
        : base(harness)
    {
    }

    [Fact]
    public async Task Fetch_TodoToDoing_RecordsStarted_AttemptsUnchanged()
    {
        var (id, worker) = await StartJobAsync();

        var job = await GetJobAsync(id);
        Assert.Equal((JobStatus.Doing, worker, 0), (job.Status, job.WorkerId!.Value, job.Attempts));
        Assert.Equal(["deferred", "started"], await EventTypesAsync(id));
    }

    [Theory]
    [InlineData(JobStatus.Succeeded, "succeeded")]
    [InlineData(JobStatus.Failed, "failed")]
    [InlineData(JobStatus.Aborted, "aborted")]
    public async Task Finish_DoingJob_RecordsTheEndAndIncrementsAttempts(JobStatus status, string eventType)
    {
        var (id, worker) = await StartJobAsync();

        await Store.FinishJobsAsync([new JobCompletion(id, status, false)]);

        var job = await GetJobAsync(id);
        Assert.Equal((status, 1, worker), (job.Status, job.Attempts, job.WorkerId!.Value));
        Assert.Equal(["deferred", "started", eventType], await EventTypesAsync(id));
    }

    [Theory]
    [InlineData(JobStatus.Succeeded, new[] { "deferred", "cancelled" })]
    [InlineData(JobStatus.Failed, new[] { "deferred", "cancelled" })]
    [InlineData(JobStatus.Aborted, new[] { "deferred" })]
    public async Task Finish_TodoJob_EndsIt_AttemptsUnchanged(JobStatus status, string[] events)
    {
        var id = await DeferAsync(Job());

        await Store.FinishJobsAsync([new JobCompletion(id, status, false)]);

        var job = await GetJobAsync(id);
        Assert.Equal((status, 0), (job.Status, job.Attempts));
        Assert.Equal(events, await EventTypesAsync(id));
    }

    [Fact]
    public async Task Finish_WithDelete_RemovesTheRowAndItsEvents_WaitingOrRunning()
    {
        var (running, _) = await StartJobAsync();
        var waiting = await DeferAsync(Job());

        await Store.FinishJobsAsync([new JobCompletion(running, JobStatus.Succeeded, true), new JobCompletion(waiting, JobStatus.Failed, true)]);

        Assert.Null(await Store.GetJobStatusAsync(running));
        Assert.Null(await Store.GetJobStatusAsync(waiting));
        Assert.Empty(await Harness.EventsAsync(running));
        Assert.Equal(0, await CountJobsAsync());
    }

    [Fact]
    public async Task Finish_ABatch_AppliesEachCompletion()
    {
        var worker = await Store.RegisterWorkerAsync();
        var ids = await Store.DeferJobsAsync([Job(), Job(), Job()]);
        Assert.Equal(3, (await FetchIdsAsync(worker, limit: 3)).Count);

        await Store.FinishJobsAsync(
        [
            new JobCompletion(ids[0], JobStatus.Succeeded, false),
            new JobCompletion(ids[1], JobStatus.Failed, false),
            new JobCompletion(ids[2], JobStatus.Aborted, true),
        ]);

        Assert.Equal(JobStatus.Succeeded, await Store.GetJobStatusAsync(ids[0]));
        Assert.Equal(JobStatus.Failed, await Store.GetJobStatusAsync(ids[1]));
        Assert.Null(await Store.GetJobStatusAsync(ids[2]));
        Assert.Equal(1, (await GetJobAsync(ids[1])).Attempts);
        await Store.FinishJobsAsync([]);
    }

    [Fact]
    public async Task Finish_AFinishedOrMissingJob_ThrowsAndABatchChangesNothing()
    {
        var (done, _) = await StartJobAsync();
        await Store.FinishJobsAsync([new JobCompletion(done, JobStatus.Succeeded, false)]);
        var (running, _) = await StartJobAsync();

        await Assert.ThrowsAsync<InvalidOperationException>(async () =>
            await Store.FinishJobsAsync([new JobCompletion(done, JobStatus.Failed, false)]));
        await Assert.ThrowsAsync<InvalidOperationException>(async () =>
            await Store.FinishJobsAsync([new JobCompletion(999, JobStatus.Failed, false)]));
        await Assert.ThrowsAsync<InvalidOperationException>(async () =>
            await Store.FinishJobsAsync([new JobCompletion(running, JobStatus.Succeeded, false), new JobCompletion(done, JobStatus.Failed, false)]));
        await Assert.ThrowsAsync<InvalidOperationException>(async () =>
            await Store.FinishJobsAsync([new JobCompletion(running, JobStatus.Succeeded, false), new JobCompletion(running, JobStatus.Failed, false)]));
        await Assert.ThrowsAsync<InvalidOperationException>(async () =>
            await Store.FinishJobsAsync([new JobCompletion(running, JobStatus.Succeeded, true), new JobCompletion(999, JobStatus.Failed, true)]));
        await Assert.ThrowsAsync<ArgumentException>(async () =>
            await Store.FinishJobsAsync([new JobCompletion(running, JobStatus.Cancelled, false)]));
        await Assert.ThrowsAsync<ArgumentException>(async () =>
            await Store.FinishJobsAsync([new JobCompletion(running, JobStatus.Todo, false)]));

        var job = await GetJobAsync(running);
        Assert.Equal((JobStatus.Doing, 0), (job.Status, job.Attempts));
        Assert.Equal(["deferred", "started"], await EventTypesAsync(running));
        Assert.Equal(JobStatus.Succeeded, await Store.GetJobStatusAsync(done));
    }

    [Fact]
    public async Task Retry_DoingJob_GoesBackToTodoAtTheNewTime_WithNewOptions()
    {
        var (id, worker) = await StartJobAsync(Job(queue: "q1", priority: 1, @lock: "old"));
        var retryAt = (await Harness.NowAsync()).AddMinutes(5);

        await Store.RetryJobAsync(new RetryJobParams(id, retryAt, Priority: 7, Queue: "q2", Lock: "new"));

        var job = await GetJobAsync(id);
        Assert.Equal((JobStatus.Todo, 1, 7, "q2", "new", worker), (job.Status, job.Attempts, job.Priority, job.Queue, job.Lock, job.WorkerId!.Value));
        Assert.Equal(retryAt, job.ScheduledAt!.Value, TimeSpan.FromMilliseconds(1));
        var events = await Harness.EventsAsync(id);
        Assert.Equal(["deferred", "started", "scheduled", "deferred_for_retry"], events.Select(e => e.Type));
        Assert.Equal(retryAt, events[2].At, TimeSpan.FromMilliseconds(1));
        Assert.Empty(await FetchIdsAsync(worker));
    }

    [Fact]
    public async Task Retry_WithoutNewOptions_KeepsPriorityQueueAndLock()
    {
        var (id, _) = await StartJobAsync(Job(queue: "q1", priority: 4, @lock: "keep"));

        await Store.RetryJobAsync(new RetryJobParams(id, await Harness.NowAsync()));

        var job = await GetJobAsync(id);
        Assert.Equal((4, "q1", "keep"), (job.Priority, job.Queue, job.Lock));
    }

    [Fact]
    public async Task Retry_AbortRequestedDoingJob_FailsInstead_AttemptsUnchanged_AndCannotBeRetriedAgain()
    {
        var (id, _) = await StartJobAsync();
        Assert.True(await Store.CancelJobAsync(id, abort: true));

        await Store.RetryJobAsync(new RetryJobParams(id, await Harness.NowAsync()));

        var job = await GetJobAsync(id);
        Assert.Equal((JobStatus.Failed, 0, true), (job.Status, job.Attempts, job.AbortRequested));
        Assert.Equal(["deferred", "started", "abort_requested", "failed"], await EventTypesAsync(id));

        // SCHEMA.md 0 #9: a failed job whose abort was requested cannot go back to todo.
        await Assert.ThrowsAsync<InvalidOperationException>(async () => await Store.RetryJobAsync(new RetryJobParams(id, await Harness.NowAsync())));
        Assert.Equal(JobStatus.Failed, await Store.GetJobStatusAsync(id));
        Assert.Equal(4, (await Harness.EventsAsync(id)).Count);
    }

    [Fact]
    public async Task Retry_FailedJob_GoesBackToTodo_RecordsRetried()
    {
        var (id, _) = await StartJobAsync();
        await Store.FinishJobsAsync([new JobCompletion(id, JobStatus.Failed, false)]);

        await Store.RetryJobAsync(new RetryJobParams(id, await Harness.NowAsync(), Queue: "manual"));

        var job = await GetJobAsync(id);
        Assert.Equal((JobStatus.Todo, 2, "manual"), (job.Status, job.Attempts, job.Queue));
        Assert.Equal(["deferred", "started", "failed", "scheduled", "retried"], await EventTypesAsync(id));
    }

    [Fact]
    public async Task Retry_TodoFinishedOrMissingJob_ThrowsInvalidOperation()
    {
        var (done, _) = await StartJobAsync();
        await Store.FinishJobsAsync([new JobCompletion(done, JobStatus.Succeeded, false)]);
        var waiting = await DeferAsync(Job());
        var now = await Harness.NowAsync();

        await Assert.ThrowsAsync<InvalidOperationException>(async () => await Store.RetryJobAsync(new RetryJobParams(waiting, now)));
        await Assert.ThrowsAsync<InvalidOperationException>(async () => await Store.RetryJobAsync(new RetryJobParams(done, now)));
        await Assert.ThrowsAsync<InvalidOperationException>(async () => await Store.RetryJobAsync(new RetryJobParams(999, now)));
        await Assert.ThrowsAnyAsync<ArgumentException>(async () => await Store.RetryJobAsync(new RetryJobParams(waiting, now, Queue: new string('q', 41))));
        Assert.Equal(JobStatus.Todo, await Store.GetJobStatusAsync(waiting));
        Assert.Equal(JobStatus.Succeeded, await Store.GetJobStatusAsync(done));
    }

    [Fact]
    public async Task Retry_WhenAWaitingJobHoldsTheQueueingLock_ThrowsAlreadyEnqueued_AndChangesNothing()
    {
        var (id, _) = await StartJobAsync(Job(queueingLock: "QL"));
        await DeferAsync(Job(queueingLock: "QL"));

        var e = await Assert.ThrowsAsync<AlreadyEnqueuedException>(async () => await Store.RetryJobAsync(new RetryJobParams(id, await Harness.NowAsync())));

        Assert.Equal("QL", e.QueueingLock);
        var job = await GetJobAsync(id);
        Assert.Equal((JobStatus.Doing, 0), (job.Status, job.Attempts));
        Assert.Equal(["deferred", "started"], await EventTypesAsync(id));
    }

    [Fact]
    public async Task Cancel_TodoJob_RecordsCancelled_Once()
    {
        var id = await DeferAsync(Job());

        Assert.True(await Store.CancelJobAsync(id));

        Assert.Equal(JobStatus.Cancelled, await Store.GetJobStatusAsync(id));
        Assert.Equal(["deferred", "cancelled"], await EventTypesAsync(id));
        Assert.False(await Store.CancelJobAsync(id));
        Assert.False(await Store.CancelJobAsync(id, abort: true));
        Assert.False(await Store.CancelJobAsync(999));
        Assert.False((await GetJobAsync(id)).AbortRequested);
    }

    [Fact]
    public async Task Cancel_DoingJobWithoutAbort_ChangesNothing()
    {
        var (id, _) = await StartJobAsync();

        Assert.False(await Store.CancelJobAsync(id));

        Assert.False((await GetJobAsync(id)).AbortRequested);
        Assert.Equal(["deferred", "started"], await EventTypesAsync(id));
    }

    [Fact]
    public async Task CancelWithAbort_DoingJob_RecordsAbortRequestedPerRequest_AsProcrastinate39_AndIsListed()
    {
        var (id, _) = await StartJobAsync(Job(queue: "jobs"));

        Assert.True(await Store.CancelJobAsync(id, abort: true));
        Assert.True(await Store.CancelJobAsync(id, abort: true));

        // 3.9's trigger writes the event on every update that sets the flag, so a second request writes a second one.
        var job = await GetJobAsync(id);
        Assert.Equal((JobStatus.Doing, true), (job.Status, job.AbortRequested));
        Assert.Equal(["deferred", "started", "abort_requested", "abort_requested"], await EventTypesAsync(id));
        Assert.Equal([id], await Store.ListJobsToAbortAsync());
        Assert.Equal([id], await Store.ListJobsToAbortAsync("jobs"));
        Assert.Empty(await Store.ListJobsToAbortAsync("other"));

        await Store.FinishJobsAsync([new JobCompletion(id, JobStatus.Aborted, false)]);
        var aborted = await GetJobAsync(id);
        Assert.Equal((JobStatus.Aborted, false, 1), (aborted.Status, aborted.AbortRequested, aborted.Attempts));
        Assert.Equal(["deferred", "started", "abort_requested", "abort_requested", "aborted"], await EventTypesAsync(id));
        Assert.Empty(await Store.ListJobsToAbortAsync());
    }

    [Fact]
    public async Task CancelWithAbort_ScheduledTodoJob_CancelsAndSetsTheFlag()
    {
        var id = await DeferAsync(Job(scheduledAt: (await Harness.NowAsync()).AddHours(1)));

        Assert.True(await Store.CancelJobAsync(id, abort: true));

        var job = await GetJobAsync(id);
        Assert.Equal((JobStatus.Cancelled, true), (job.Status, job.AbortRequested));
        Assert.Equal(["scheduled", "deferred", "abort_requested", "cancelled"], await EventTypesAsync(id));
        Assert.Empty(await Store.ListJobsToAbortAsync());
    }

    [Fact]
    public async Task CancelWithDelete_TodoJob_RemovesTheRowAndEvents_ButNotARunningOne()
    {
        var (running, _) = await StartJobAsync();
        var id = await DeferAsync(Job());

        Assert.True(await Store.CancelJobAsync(id, delete: true));
        Assert.False(await Store.CancelJobAsync(running, delete: true));

        Assert.Null(await Store.GetJobStatusAsync(id));
        Assert.Empty(await Harness.EventsAsync(id));
        Assert.Equal(JobStatus.Doing, await Store.GetJobStatusAsync(running));

        // With abort too, a running job cannot be deleted: its abort is requested instead.
        Assert.True(await Store.CancelJobAsync(running, abort: true, delete: true));
        Assert.True((await GetJobAsync(running)).AbortRequested);
    }

    [Fact]
    public async Task UnregisteringTheWorkerOfARetriedJob_RecordsScheduledAgain()
    {
        // Losing the worker id is an UPDATE of a waiting scheduled row: PostgreSQL's scheduled-event trigger fires.
        var (id, worker) = await StartJobAsync();
        var retryAt = (await Harness.NowAsync()).AddMinutes(1);
        await Store.RetryJobAsync(new RetryJobParams(id, retryAt));

        await Store.UnregisterWorkerAsync(worker);

        Assert.Null((await GetJobAsync(id)).WorkerId);
        var events = await Harness.EventsAsync(id);
        Assert.Equal(["deferred", "started", "scheduled", "deferred_for_retry", "scheduled"], events.Select(e => e.Type));
        Assert.Equal(retryAt, events[4].At, TimeSpan.FromMilliseconds(1));
    }

    [Fact]
    public async Task DeleteOldJobs_RemovesFinishedJobsWhoseLatestEventIsOld_WithTheirEvents()
    {
        var worker = await Store.RegisterWorkerAsync();
        var ids = await Store.DeferJobsAsync([Job(), Job(), Job(), Job(queue: "other"), Job(), Job(), Job()]);
        Assert.Equal(5, (await FetchIdsAsync(worker, limit: 5)).Count);
        await Store.FinishJobsAsync(
        [
            new JobCompletion(ids[0], JobStatus.Succeeded, false),
            new JobCompletion(ids[1], JobStatus.Failed, false),
            new JobCompletion(ids[2], JobStatus.Aborted, false),
            new JobCompletion(ids[3], JobStatus.Succeeded, false),
        ]);
        await Store.CancelJobAsync(ids[5]);
        await Harness.AdvanceTimeAsync(TimeSpan.FromHours(3));
        await Store.FinishJobsAsync([new JobCompletion(ids[4], JobStatus.Succeeded, false)]);

        Assert.Equal(0, await Store.DeleteOldJobsAsync(new DeleteOldJobsParams(TimeSpan.FromHours(4))));
        Assert.Equal(1, await Store.DeleteOldJobsAsync(new DeleteOldJobsParams(TimeSpan.FromHours(2), Queue: "default")));
        Assert.Equal(2, await Store.DeleteOldJobsAsync(new DeleteOldJobsParams(TimeSpan.FromHours(2), IncludeFailed: true)));
        Assert.Equal(1, await Store.DeleteOldJobsAsync(new DeleteOldJobsParams(TimeSpan.FromHours(2), IncludeAborted: true)));
        Assert.Equal(1, await Store.DeleteOldJobsAsync(new DeleteOldJobsParams(TimeSpan.FromHours(2), IncludeCancelled: true)));

        Assert.Equal([ids[4], ids[6]], (await Store.ListJobsAsync(JobFilter.All)).Select(j => j.Id));
        Assert.Empty(await Harness.EventsAsync(ids[0]));
        await Harness.AdvanceTimeAsync(TimeSpan.FromSeconds(1));
        Assert.Equal(1, await Store.DeleteOldJobsAsync(new DeleteOldJobsParams(TimeSpan.Zero)));
    }

    [Fact]
    public async Task DeleteOldJobs_AFutureScheduledEventDelaysDeletion()
    {
        var id = await DeferAsync(Job(scheduledAt: (await Harness.NowAsync()).AddDays(1)));
        await Store.FinishJobsAsync([new JobCompletion(id, JobStatus.Succeeded, false)]);
        Assert.Equal(["scheduled", "deferred", "cancelled"], await EventTypesAsync(id));

        await Harness.AdvanceTimeAsync(TimeSpan.FromHours(2));
        Assert.Equal(0, await Store.DeleteOldJobsAsync(new DeleteOldJobsParams(TimeSpan.FromHours(1))));
        await Harness.AdvanceTimeAsync(TimeSpan.FromDays(1));
        Assert.Equal(1, await Store.DeleteOldJobsAsync(new DeleteOldJobsParams(TimeSpan.FromHours(1))));
    }
}
