using Procrastinate.Storage;

namespace Procrastinate.StoreContract;

/// <summary>
/// What a listening worker is told: <c>job_inserted</c> on every insert only, <c>abort_job_requested</c> when a running
/// job's abort is requested, per queue. "Nothing was sent" is checked with a marker job: notifications arrive in
/// order, so when the next one is the marker's, nothing came before it.
/// </summary>
public abstract class NotificationContract : StoreContract
{
    protected NotificationContract(IStoreHarness harness)
        : base(harness)
    {
    }

    [Fact]
    public async Task Defer_NotifiesListenersOfAllQueuesAndOfItsQueue()
    {
        await using var all = await ListenAsync();
        await using var emails = await ListenAsync(["emails", "sms"]);
        await using var other = await ListenAsync(["other"]);

        var ids = await Store.DeferJobsAsync([Job(queue: "emails"), Job(queue: "sms")]);
        var marker = await DeferAsync(Job(queue: "other"));

        Assert.Equal(new JobNotification(JobNotificationKind.JobInserted, ids[0]), await all.NextAsync());
        Assert.Equal(new JobNotification(JobNotificationKind.JobInserted, ids[1]), await all.NextAsync());
        Assert.Equal(new JobNotification(JobNotificationKind.JobInserted, marker), await all.NextAsync());
        Assert.Equal(new JobNotification(JobNotificationKind.JobInserted, ids[0]), await emails.NextAsync());
        Assert.Equal(new JobNotification(JobNotificationKind.JobInserted, ids[1]), await emails.NextAsync());
        Assert.Equal(new JobNotification(JobNotificationKind.JobInserted, marker), await other.NextAsync());
    }

    [Fact]
    public async Task Retries_DoNotNotify()
    {
        var (retried, _) = await StartJobAsync();
        var (failed, _) = await StartJobAsync();
        await Store.FinishJobsAsync([new JobCompletion(failed, JobStatus.Failed, false)]);
        await using var listener = await ListenAsync();

        await Store.RetryJobAsync(new RetryJobParams(retried, await Harness.NowAsync()));
        await Store.RetryJobAsync(new RetryJobParams(failed, await Harness.NowAsync()));
        var marker = await DeferAsync(Job());

        Assert.Equal(new JobNotification(JobNotificationKind.JobInserted, marker), await listener.NextAsync());
    }

    [Fact]
    public async Task DeferPeriodic_NotifiesOnlyWhenItClaims()
    {
        await using var listener = await ListenAsync();

        var id = await Store.DeferPeriodicJobAsync(Job(), "", 1);
        await Store.DeferPeriodicJobAsync(Job(), "", 1);
        var marker = await DeferAsync(Job());

        Assert.Equal(new JobNotification(JobNotificationKind.JobInserted, id!.Value), await listener.NextAsync());
        Assert.Equal(new JobNotification(JobNotificationKind.JobInserted, marker), await listener.NextAsync());
    }

    [Fact]
    public async Task AbortOfARunningJob_NotifiesItsQueueOnce_ButCancellingAWaitingJobDoesNot()
    {
        var (running, _) = await StartJobAsync(Job(queue: "jobs"));
        var waiting = await DeferAsync(Job(queue: "jobs"));
        await using var all = await ListenAsync();
        await using var jobs = await ListenAsync(["jobs"]);
        await using var other = await ListenAsync(["other"]);

        Assert.True(await Store.CancelJobAsync(waiting, abort: true));
        Assert.True(await Store.CancelJobAsync(running, abort: true));
        Assert.True(await Store.CancelJobAsync(running, abort: true));
        var marker = await DeferAsync(Job(queue: "jobs"));
        var otherMarker = await DeferAsync(Job(queue: "other"));

        foreach (var listener in new[] { all, jobs })
        {
            Assert.Equal(new JobNotification(JobNotificationKind.AbortRequested, running), await listener.NextAsync());
            Assert.Equal(new JobNotification(JobNotificationKind.JobInserted, marker), await listener.NextAsync());
        }

        Assert.Equal(new JobNotification(JobNotificationKind.JobInserted, otherMarker), await other.NextAsync());
    }

    [Fact]
    public async Task AFailingCallback_DoesNotStopLaterNotifications()
    {
        await using var listener = await ListenAsync();
        listener.Throw = true;

        var first = await DeferAsync(Job());
        var second = await DeferAsync(Job());

        Assert.Equal(first, (await listener.NextAsync()).JobId);
        Assert.Equal(second, (await listener.NextAsync()).JobId);
    }

    [Fact]
    public async Task ADisposedSubscription_ReceivesNothingMore()
    {
        var listener = await ListenAsync();
        var before = await DeferAsync(Job());
        Assert.Equal(before, (await listener.NextAsync()).JobId);

        await listener.DisposeAsync();
        await using var witness = await ListenAsync();
        var after = await DeferAsync(Job());

        Assert.Equal(after, (await witness.NextAsync()).JobId);
        Assert.False(listener.HasMore);
    }

    [Fact]
    public async Task Listen_WithoutACallback_Throws()
    {
        await Assert.ThrowsAsync<ArgumentNullException>(async () => await Store.ListenAsync(null, null!));
    }
}
