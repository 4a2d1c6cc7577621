using Procrastinate.Storage;

namespace Procrastinate.StoreContract;

/// <summary>
/// What the command line and the dashboard read and do besides listing: a job's events, events per minute, workers,
/// periodic claims, and deleting a finished job. Each read is compared with what the harness sees in the store.
/// </summary>
public abstract class InspectionContract : StoreContract
{
    protected InspectionContract(IStoreHarness harness)
        : base(harness)
    {
    }

    [Fact]
    public async Task ListJobEvents_ReadsEveryTransition_InOrder()
    {
        var (id, worker) = await StartJobAsync();
        await Store.RetryJobAsync(new RetryJobParams(id, await Harness.NowAsync()));
        Assert.Single(await Store.FetchJobsAsync(new FetchJobsParams(worker, null)));
        await Store.FinishJobsAsync([new JobCompletion(id, JobStatus.Failed, false)]);

        var events = await Store.ListJobEventsAsync(id);

        Assert.Equal(await Harness.EventsAsync(id), events);
        Assert.Equal(
            ["deferred", "started", "scheduled", "deferred_for_retry", "started", "failed"],
            events.Select(e => e.Type));
        var now = await Harness.NowAsync();
        AssertClose(now, events[^1].At);
    }

    [Fact]
    public async Task ListJobEvents_OfAMissingJob_IsEmpty()
    {
        Assert.Empty(await Store.ListJobEventsAsync(42));
    }

    [Fact]
    public async Task DeleteJob_DeletesOnlyFinishedJobs_WithTheirEvents()
    {
        var (running, _) = await StartJobAsync();
        var succeeded = await DeferAsync(Job());
        var waiting = await DeferAsync(Job());
        var cancelled = await DeferAsync(Job());
        var worker = await Store.RegisterWorkerAsync();
        Assert.Equal([succeeded], (await Store.FetchJobsAsync(new FetchJobsParams(worker, null))).Select(j => j.Id));
        await Store.FinishJobsAsync([new JobCompletion(succeeded, JobStatus.Succeeded, false)]);
        Assert.True(await Store.CancelJobAsync(cancelled));

        Assert.False(await Store.DeleteJobAsync(running));
        Assert.False(await Store.DeleteJobAsync(waiting));
        Assert.True(await Store.DeleteJobAsync(succeeded));
        Assert.True(await Store.DeleteJobAsync(cancelled));
        Assert.False(await Store.DeleteJobAsync(cancelled));
        Assert.False(await Store.DeleteJobAsync(42));

        Assert.Equal([running, waiting], (await Store.ListJobsAsync(JobFilter.All)).Select(j => j.Id));
        Assert.Empty(await Harness.EventsAsync(succeeded));
        Assert.Empty(await Store.ListJobEventsAsync(cancelled));
    }

    [Fact]
    public async Task DeleteJob_UnlinksItsPeriodicClaim()
    {
        var id = (await Store.DeferPeriodicJobAsync(Job(task: "tick"), "", 100))!.Value;
        await Store.CancelJobAsync(id);

        Assert.True(await Store.DeleteJobAsync(id));

        Assert.Equal([new PeriodicClaim("tick", "", 100, null)], await Store.ListPeriodicClaimsAsync());
    }

    [Fact]
    public async Task CountEventsByMinute_CountsDeferredSucceededAndFailed()
    {
        var ids = await Store.DeferJobsAsync([Job(), Job(), Job()]);
        var worker = await Store.RegisterWorkerAsync();
        Assert.Equal(3, (await Store.FetchJobsAsync(new FetchJobsParams(worker, null, 3))).Count);
        await Store.FinishJobsAsync(
        [
            new JobCompletion(ids[0], JobStatus.Succeeded, false),
            new JobCompletion(ids[1], JobStatus.Failed, false),
            new JobCompletion(ids[2], JobStatus.Aborted, false),
        ]);

        var minutes = await Store.CountEventsByMinuteAsync(TimeSpan.FromHours(1));

        Assert.InRange(minutes.Count, 1, 2);
        Assert.All(minutes, m => Assert.Equal(0, m.Minute.Ticks % TimeSpan.TicksPerMinute));
        Assert.All(minutes, m => Assert.Equal(TimeSpan.Zero, m.Minute.Offset));
        Assert.Equal(3, minutes.Sum(m => m.Deferred));
        Assert.Equal(1, minutes.Sum(m => m.Succeeded));
        Assert.Equal(1, minutes.Sum(m => m.Failed));
        var now = await Harness.NowAsync();
        Assert.InRange(minutes[^1].Minute, now - TimeSpan.FromMinutes(1) - ClockDrift, now);
    }

    [Fact]
    public async Task CountEventsByMinute_LeavesOutOlderEvents_OldestMinuteFirst()
    {
        await DeferAsync(Job());
        await Harness.AdvanceTimeAsync(TimeSpan.FromMinutes(30));
        await DeferAsync(Job());
        await DeferAsync(Job());

        var hour = await Store.CountEventsByMinuteAsync(TimeSpan.FromHours(1));
        var tenMinutes = await Store.CountEventsByMinuteAsync(TimeSpan.FromMinutes(10));

        Assert.Equal(3, hour.Sum(m => m.Deferred));
        Assert.True(hour.Count >= 2);
        Assert.Equal(hour.OrderBy(m => m.Minute), hour);
        Assert.Equal(2, tenMinutes.Sum(m => m.Deferred));
        await Harness.AdvanceTimeAsync(TimeSpan.FromHours(2));
        Assert.Empty(await Store.CountEventsByMinuteAsync(TimeSpan.FromHours(1)));
    }

    [Fact]
    public async Task ListWorkers_ReadsEachWorkerAndItsHeartbeat()
    {
        var first = await Store.RegisterWorkerAsync();
        var second = await Store.RegisterWorkerAsync();
        await Harness.AdvanceTimeAsync(TimeSpan.FromMinutes(5));
        await Store.UpdateHeartbeatAsync(second);

        var workers = await Store.ListWorkersAsync();

        Assert.Equal(await Harness.WorkersAsync(), workers);
        Assert.Equal([first, second], workers.Select(w => w.Id));
        var now = await Harness.NowAsync();
        AssertClose(now - TimeSpan.FromMinutes(5), workers[0].LastHeartbeat);
        AssertClose(now, workers[1].LastHeartbeat);
        await Store.UnregisterWorkerAsync(first);
        Assert.Equal([second], (await Store.ListWorkersAsync()).Select(w => w.Id));
    }

    [Fact]
    public async Task ListPeriodicClaims_ReadsTheLatestClaimOfEachSchedule()
    {
        var first = await Store.DeferPeriodicJobAsync(Job(task: "a"), "", 100);
        var second = await Store.DeferPeriodicJobAsync(Job(task: "a"), "", 160);
        var other = await Store.DeferPeriodicJobAsync(Job(task: "b"), "hourly", 3600);

        var claims = await Store.ListPeriodicClaimsAsync();

        Assert.NotNull(first);
        Assert.Equal(await Harness.PeriodicClaimsAsync(), claims);
        Assert.Equal([new PeriodicClaim("a", "", 160, second), new PeriodicClaim("b", "hourly", 3600, other)], claims);
    }
}
