using Procrastinate.PostgreSql.Tests.Infrastructure;
using Procrastinate.Storage;

namespace Procrastinate.PostgreSql.Tests;

/// <summary>Every transition of SCHEMA.md 2.11, with its events and attempts.</summary>
public sealed class TransitionTests : PostgresTest
{
    public TransitionTests(DatabaseFixture database)
        : base(database)
    {
    }

    [Fact]
    public async Task Fetch_TodoToDoing_RecordsStarted_AttemptsUnchanged()
    {
        var (id, worker) = await StartJobAsync();

        var job = await GetJobAsync(id);
        Assert.Equal((JobStatus.Doing, worker, 0), (job.Status, job.WorkerId!.Value, job.Attempts));
        Assert.Equal(["deferred", "started"], await Database.EventsAsync(id));
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
        Assert.Equal(["deferred", "started", eventType], await Database.EventsAsync(id));
    }

    [Theory]
    [InlineData(JobStatus.Succeeded)]
    [InlineData(JobStatus.Failed)]
    public async Task Finish_TodoJob_RecordsCancelled_AttemptsUnchanged(JobStatus status)
    {
        var id = await DeferAsync(Job());

        await Store.FinishJobsAsync([new JobCompletion(id, status, false)]);

        var job = await GetJobAsync(id);
        Assert.Equal((status, 0), (job.Status, job.Attempts));
        Assert.Equal(["deferred", "cancelled"], await Database.EventsAsync(id));
    }

    [Fact]
    public async Task Finish_WithDelete_RemovesTheRowAndItsEvents()
    {
        var (id, _) = await StartJobAsync();

        await Store.FinishJobsAsync([new JobCompletion(id, JobStatus.Succeeded, true)]);

        Assert.Null(await Store.GetJobStatusAsync(id));
        Assert.Empty(await Database.EventsAsync(id));
    }

    [Fact]
    public async Task Finish_ABatch_AppliesEachCompletion()
    {
        var worker = await Store.RegisterWorkerAsync();
        var ids = await Store.DeferJobsAsync([Job(), Job(), Job()]);
        Assert.Equal(3, (await Store.FetchJobsAsync(new FetchJobsParams(worker, null, 3))).Count);

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
    }

    [Fact]
    public async Task Finish_AFinishedJob_ThrowsAndABatchChangesNothing()
    {
        var (done, _) = await StartJobAsync();
        await Store.FinishJobsAsync([new JobCompletion(done, JobStatus.Succeeded, false)]);
        var (running, _) = await StartJobAsync();

        await Assert.ThrowsAsync<InvalidOperationException>(async () =>
            await Store.FinishJobsAsync([new JobCompletion(done, JobStatus.Failed, false)]));
        await Assert.ThrowsAsync<InvalidOperationException>(async () =>
            await Store.FinishJobsAsync([new JobCompletion(running, JobStatus.Succeeded, false), new JobCompletion(done, JobStatus.Failed, false)]));
        await Assert.ThrowsAsync<ArgumentException>(async () =>
            await Store.FinishJobsAsync([new JobCompletion(running, JobStatus.Cancelled, false)]));

        Assert.Equal(JobStatus.Doing, await Store.GetJobStatusAsync(running));
        Assert.Equal(JobStatus.Succeeded, await Store.GetJobStatusAsync(done));
    }

    [Fact]
    public async Task Retry_DoingJob_GoesBackToTodoAtTheNewTime_WithNewOptions()
    {
        var (id, _) = await StartJobAsync(Job(queue: "q1", priority: 1, @lock: "old"));
        var retryAt = DateTimeOffset.UtcNow.AddMinutes(5);

        await Store.RetryJobAsync(new RetryJobParams(id, retryAt, Priority: 7, Queue: "q2", Lock: "new"));

        var job = await GetJobAsync(id);
        Assert.Equal((JobStatus.Todo, 1, 7, "q2", "new"), (job.Status, job.Attempts, job.Priority, job.Queue, job.Lock));
        Assert.Equal(retryAt, job.ScheduledAt!.Value, TimeSpan.FromMilliseconds(1));
        Assert.Equal(["deferred", "started", "scheduled", "deferred_for_retry"], await Database.EventsAsync(id));
        var scheduledAt = await Database.ScalarAsync<DateTime>("SELECT at FROM procrastinate_events WHERE job_id = $1 AND type = 'scheduled'", id);
        Assert.Equal(retryAt.UtcDateTime, scheduledAt, TimeSpan.FromMilliseconds(1));
    }

    [Fact]
    public async Task Retry_WithoutNewOptions_KeepsPriorityQueueAndLock()
    {
        var (id, _) = await StartJobAsync(Job(queue: "q1", priority: 4, @lock: "keep"));

        await Store.RetryJobAsync(new RetryJobParams(id, DateTimeOffset.UtcNow));

        var job = await GetJobAsync(id);
        Assert.Equal((4, "q1", "keep"), (job.Priority, job.Queue, job.Lock));
    }

    [Fact]
    public async Task Retry_AbortRequestedDoingJob_FailsInstead_AttemptsUnchanged()
    {
        var (id, _) = await StartJobAsync();
        Assert.True(await Store.CancelJobAsync(id, abort: true));

        await Store.RetryJobAsync(new RetryJobParams(id, DateTimeOffset.UtcNow));

        var job = await GetJobAsync(id);
        Assert.Equal((JobStatus.Failed, 0), (job.Status, job.Attempts));
        Assert.Equal(["deferred", "started", "abort_requested", "failed"], await Database.EventsAsync(id));
    }

    [Fact]
    public async Task Retry_FailedJob_GoesBackToTodo_RecordsRetried()
    {
        var (id, _) = await StartJobAsync();
        await Store.FinishJobsAsync([new JobCompletion(id, JobStatus.Failed, false)]);

        await Store.RetryJobAsync(new RetryJobParams(id, DateTimeOffset.UtcNow));

        var job = await GetJobAsync(id);
        Assert.Equal((JobStatus.Todo, 2), (job.Status, job.Attempts));
        Assert.Equal(["deferred", "started", "failed", "scheduled", "retried"], await Database.EventsAsync(id));
    }

    [Fact]
    public async Task Retry_TodoOrMissingJob_ThrowsInvalidOperation()
    {
        var id = await DeferAsync(Job());

        await Assert.ThrowsAsync<InvalidOperationException>(async () => await Store.RetryJobAsync(new RetryJobParams(id, DateTimeOffset.UtcNow)));
        await Assert.ThrowsAsync<InvalidOperationException>(async () => await Store.RetryJobAsync(new RetryJobParams(999, DateTimeOffset.UtcNow)));
        Assert.Equal(JobStatus.Todo, await Store.GetJobStatusAsync(id));
    }

    [Fact]
    public async Task Cancel_TodoJob_RecordsCancelled()
    {
        var id = await DeferAsync(Job());

        Assert.True(await Store.CancelJobAsync(id));

        Assert.Equal(JobStatus.Cancelled, await Store.GetJobStatusAsync(id));
        Assert.Equal(["deferred", "cancelled"], await Database.EventsAsync(id));
        Assert.False(await Store.CancelJobAsync(id));
    }

    [Fact]
    public async Task Cancel_DoingJobWithoutAbort_ChangesNothing()
    {
        var (id, _) = await StartJobAsync();

        Assert.False(await Store.CancelJobAsync(id));

        Assert.False((await GetJobAsync(id)).AbortRequested);
    }

    [Fact]
    public async Task CancelWithAbort_DoingJob_SetsTheFlag_RecordsAbortRequested_AndNotifies()
    {
        var (id, _) = await StartJobAsync(Job(queue: "jobs"));
        await using var listener = await RawListener.StartAsync(Database.ConnectionString, "procrastinate_any_queue_v1", "procrastinate_queue_v1#jobs");

        Assert.True(await Store.CancelJobAsync(id, abort: true));

        var job = await GetJobAsync(id);
        Assert.Equal((JobStatus.Doing, true), (job.Status, job.AbortRequested));
        Assert.Equal(["deferred", "started", "abort_requested"], await Database.EventsAsync(id));
        Assert.Equal([id], await Store.ListJobsToAbortAsync());
        Assert.Equal([id], await Store.ListJobsToAbortAsync("jobs"));
        Assert.Empty(await Store.ListJobsToAbortAsync("other"));
        var expected = $$"""{"type" : "abort_job_requested", "job_id" : {{id}}}""";
        var notifications = new[] { await listener.NextAsync(), await listener.NextAsync() };
        Assert.Equal(
            [("procrastinate_any_queue_v1", expected), ("procrastinate_queue_v1#jobs", expected)],
            notifications.OrderBy(n => n.Channel, StringComparer.Ordinal));

        await Store.FinishJobsAsync([new JobCompletion(id, JobStatus.Aborted, false)]);
        var aborted = await GetJobAsync(id);
        Assert.Equal((JobStatus.Aborted, false, 1), (aborted.Status, aborted.AbortRequested, aborted.Attempts));
    }

    [Fact]
    public async Task CancelWithAbort_ScheduledTodoJob_CancelsAndSetsTheFlag_WithoutAbortNotification()
    {
        var at = DateTimeOffset.UtcNow.AddHours(1);
        var id = await DeferAsync(Job(scheduledAt: at));
        await using var listener = await RawListener.StartAsync(Database.ConnectionString, "procrastinate_any_queue_v1");

        Assert.True(await Store.CancelJobAsync(id, abort: true));

        var job = await GetJobAsync(id);
        Assert.Equal((JobStatus.Cancelled, true), (job.Status, job.AbortRequested));
        Assert.Equal(["scheduled", "deferred", "abort_requested", "cancelled"], await Database.EventsAsync(id));
        var marker = await DeferAsync(Job());
        Assert.Equal($$"""{"type" : "job_inserted", "job_id" : {{marker}}}""", (await listener.NextAsync()).Payload);
    }

    [Fact]
    public async Task CancelWithDelete_TodoJob_RemovesTheRowAndEvents_ButNotARunningOne()
    {
        var (running, _) = await StartJobAsync();
        var id = await DeferAsync(Job());

        Assert.True(await Store.CancelJobAsync(id, delete: true));
        Assert.False(await Store.CancelJobAsync(running, delete: true));

        Assert.Null(await Store.GetJobStatusAsync(id));
        Assert.Empty(await Database.EventsAsync(id));
        Assert.Equal(JobStatus.Doing, await Store.GetJobStatusAsync(running));
    }

    [Fact]
    public async Task DeleteOldJobs_RemovesFinishedJobsWhoseLatestEventIsOld_WithTheirEvents()
    {
        var worker = await Store.RegisterWorkerAsync();
        var ids = await Store.DeferJobsAsync([Job(), Job(), Job(), Job(queue: "other"), Job()]);
        Assert.Equal(5, (await Store.FetchJobsAsync(new FetchJobsParams(worker, null, 5))).Count);
        await Store.FinishJobsAsync(
        [
            new JobCompletion(ids[0], JobStatus.Succeeded, false),
            new JobCompletion(ids[1], JobStatus.Failed, false),
            new JobCompletion(ids[2], JobStatus.Aborted, false),
            new JobCompletion(ids[3], JobStatus.Succeeded, false),
            new JobCompletion(ids[4], JobStatus.Succeeded, false),
        ]);
        await Database.ExecuteAsync("UPDATE procrastinate_events SET at = now() - interval '3 hours' WHERE job_id <> $1", ids[4]);

        Assert.Equal(1, await Store.DeleteOldJobsAsync(new DeleteOldJobsParams(TimeSpan.FromHours(2), Queue: "default")));
        Assert.Equal(2, await Store.DeleteOldJobsAsync(new DeleteOldJobsParams(TimeSpan.FromHours(2), IncludeFailed: true)));
        Assert.Equal(1, await Store.DeleteOldJobsAsync(new DeleteOldJobsParams(TimeSpan.FromHours(2), IncludeAborted: true)));

        Assert.Equal([ids[4]], (await Store.ListJobsAsync(JobFilter.All)).Select(j => j.Id));
        Assert.Equal(0, await Database.ScalarAsync<long>("SELECT count(*) FROM procrastinate_events WHERE job_id <> $1", ids[4]));
    }
}
