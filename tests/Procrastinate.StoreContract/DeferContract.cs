using Procrastinate.Storage;

namespace Procrastinate.StoreContract;

/// <summary>Inserting jobs: arguments, queueing locks (also inside a batch), schedules, validation, periodic claims.</summary>
public abstract class DeferContract : StoreContract
{
    protected DeferContract(IStoreHarness harness)
        : base(harness)
    {
    }

    [Fact]
    public async Task Defer_InsertsATodoJob_WithDeferredEvent()
    {
        var before = await Harness.NowAsync();
        var id = await DeferAsync(Job(task: "mod.func", queue: "q1", args: """{"n": 1.0, "m": 1}""", priority: 3, @lock: "L", queueingLock: "QL"));

        var job = await GetJobAsync(id);
        Assert.Equal(("mod.func", "q1", 3, "L", "QL"), (job.TaskName, job.Queue, job.Priority, job.Lock, job.QueueingLock));
        Assert.Equal("""{"m": 1, "n": 1.0}""", job.Args);
        Assert.Equal((JobStatus.Todo, 0, false, (long?)null, (DateTimeOffset?)null), (job.Status, job.Attempts, job.AbortRequested, job.WorkerId, job.ScheduledAt));
        var deferred = Assert.Single(await Harness.EventsAsync(id));
        Assert.Equal("deferred", deferred.Type);
        AssertClose(before, deferred.At);
        Assert.Equal(JobStatus.Todo, await Store.GetJobStatusAsync(id));
    }

    [Theory]
    [InlineData("""{"bb":1,"a":2,"ccc":[1,2,{"z":null,"y":true, "x": false}]}""", """{"a": 2, "bb": 1, "ccc": [1, 2, {"x": false, "y": true, "z": null}]}""")]
    [InlineData("""{"x": 1e2, "y": 1.5E-3, "z": -0, "w": 12.50, "v": 2.0e1, "u": 1E+2, "t": -0.0}""", """{"t": 0.0, "u": 100, "v": 20, "w": 12.50, "x": 100, "y": 0.0015, "z": 0}""")]
    [InlineData("""{"n": 123456789012345678901234567890.123456789}""", """{"n": 123456789012345678901234567890.123456789}""")]
    [InlineData("""{"s": "a\"b\\c\n\t\u0001\u001f/\u00e9é\ud83d\ude00"}""", """{"s": "a\"b\\c\n\t\u0001\u001f/éé😀"}""")]
    [InlineData("""{"a": 1, "a": 2}""", """{"a": 2}""")]
    [InlineData("""{"é": 1, "z": 2, "ab": 3}""", """{"z": 2, "ab": 3, "é": 1}""")]
    [InlineData("  [ ]  ", "[]")]
    [InlineData("{ }", "{}")]
    [InlineData("\"text\"", "\"text\"")]
    public async Task Defer_StoresTheArgumentsAsJsonbPrintsThem(string args, string stored)
    {
        var id = await DeferAsync(Job(args: args));

        Assert.Equal(stored, (await GetJobAsync(id)).Args);
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("""{"a": }""")]
    [InlineData("""{"a": 1} trailing""")]
    [InlineData("""{"a": "\u0000"}""")]
    [InlineData(" ")]
    public async Task Defer_InvalidArguments_ThrowArgumentException_AndWriteNothing(string args)
    {
        await Assert.ThrowsAnyAsync<ArgumentException>(async () => await Store.DeferJobsAsync([Job(), Job(args: args)]));

        Assert.Equal(0, await CountJobsAsync());
    }

    [Fact]
    public async Task Defer_InvalidTaskOrQueue_ThrowsArgumentException_AndWritesNothing()
    {
        JobToDefer[] invalid =
        [
            Job(task: ""),
            Job(task: new string('t', 129)),
            Job(queue: ""),
            Job(queue: "a-queue-name-that-is-exactly-41-bytes-xyz"),
            Job(queue: "ééééééééééééééééééééé"), // 21 characters, 42 bytes
        ];

        foreach (var job in invalid)
        {
            await Assert.ThrowsAnyAsync<ArgumentException>(async () => await Store.DeferJobsAsync([Job(), job]));
        }

        await Assert.ThrowsAsync<ArgumentNullException>(async () => await Store.DeferJobsAsync(null!));
        Assert.Equal(0, await CountJobsAsync());
        Assert.Empty(await Store.DeferJobsAsync([]));
    }

    [Fact]
    public async Task Defer_QueueNameOf40Bytes_Works()
    {
        var id = await DeferAsync(Job(queue: new string('q', 40)));

        Assert.Equal(new string('q', 40), (await GetJobAsync(id)).Queue);
    }

    [Fact]
    public async Task Defer_WithAForeignTransaction_IsNotSupported_AndWritesNothing()
    {
        await Assert.ThrowsAsync<NotSupportedException>(async () => await Store.DeferJobsAsync([Job()], new ForeignTransaction()));

        Assert.Equal(0, await CountJobsAsync());
    }

    [Fact]
    public async Task BatchDefer_ReturnsIdsInInputOrder()
    {
        var jobs = Enumerable.Range(0, 50).Select(i => Job(args: $$"""{"i": {{i}}}""", priority: 50 - i)).ToList();

        var ids = await Store.DeferJobsAsync(jobs);

        Assert.Equal(Enumerable.Range(1, 50).Select(i => (long)i), ids);
        for (var i = 0; i < ids.Count; i++)
        {
            Assert.Equal($$"""{"i": {{i}}}""", (await GetJobAsync(ids[i])).Args);
        }
    }

    [Fact]
    public async Task Defer_WithATakenQueueingLock_ThrowsAlreadyEnqueuedNamingTheLock()
    {
        await DeferAsync(Job(queueingLock: "only-one"));

        var e = await Assert.ThrowsAsync<AlreadyEnqueuedException>(async () => await DeferAsync(Job(queueingLock: "only-one")));

        Assert.Equal("only-one", e.QueueingLock);
        Assert.Contains("only-one", e.Message, StringComparison.Ordinal);
        Assert.Equal(1, await CountJobsAsync());
    }

    [Fact]
    public async Task Defer_QueueingLockOfARunningOrFinishedJob_DoesNotConflict()
    {
        var (running, _) = await StartJobAsync(Job(queueingLock: "QL"));
        var waiting = await DeferAsync(Job(queueingLock: "QL"));
        await Store.CancelJobAsync(waiting);
        await Store.FinishJobsAsync([new JobCompletion(running, JobStatus.Succeeded, false)]);

        var id = await DeferAsync(Job(queueingLock: "QL"));

        Assert.Equal(JobStatus.Todo, (await GetJobAsync(id)).Status);
    }

    [Fact]
    public async Task BatchDefer_WithTwoJobsSharingAQueueingLock_InsertsNothing()
    {
        var e = await Assert.ThrowsAsync<AlreadyEnqueuedException>(async () =>
            await Store.DeferJobsAsync([Job(queueingLock: "a"), Job(queueingLock: "dup"), Job(), Job(queueingLock: "dup")]));

        Assert.Equal("dup", e.QueueingLock);
        Assert.Equal(0, await CountJobsAsync());
    }

    [Fact]
    public async Task BatchDefer_ConflictingWithAWaitingJob_InsertsNothingAndNamesTheLock()
    {
        await DeferAsync(Job(queueingLock: "taken"));

        var e = await Assert.ThrowsAsync<AlreadyEnqueuedException>(async () =>
            await Store.DeferJobsAsync([Job(queueingLock: "free"), Job(queueingLock: "taken"), Job()]));

        Assert.Equal("taken", e.QueueingLock);
        Assert.Equal(1, await CountJobsAsync());
        Assert.Empty(await Store.ListJobsAsync(new JobFilter { QueueingLock = "free" }));
    }

    [Fact]
    public async Task Defer_Scheduled_RecordsScheduledEventAtTheScheduledTime_AndIsNotFetchedBeforeIt()
    {
        var at = (await Harness.NowAsync()).AddHours(1);
        var id = await DeferAsync(Job(scheduledAt: at.ToOffset(TimeSpan.FromHours(2))));
        var worker = await Store.RegisterWorkerAsync();

        var events = await Harness.EventsAsync(id);
        Assert.Equal(["scheduled", "deferred"], events.Select(e => e.Type));
        Assert.Equal(at, events[0].At, TimeSpan.FromMilliseconds(1));
        var scheduledAt = (await GetJobAsync(id)).ScheduledAt!.Value;
        Assert.Equal(at, scheduledAt, TimeSpan.FromMilliseconds(1));
        Assert.Equal(TimeSpan.Zero, scheduledAt.Offset);
        Assert.Empty(await FetchIdsAsync(worker));

        await Harness.AdvanceTimeAsync(TimeSpan.FromMinutes(59));
        Assert.Empty(await FetchIdsAsync(worker));
        await Harness.AdvanceTimeAsync(TimeSpan.FromMinutes(1) + ClockDrift);
        Assert.Equal([id], await FetchIdsAsync(worker));
    }

    [Fact]
    public async Task Defer_ScheduledInThePast_IsFetchedAtOnce()
    {
        var id = await DeferAsync(Job(scheduledAt: (await Harness.NowAsync()).AddDays(-1)));
        var worker = await Store.RegisterWorkerAsync();

        Assert.Equal([id], await FetchIdsAsync(worker));
    }

    [Fact]
    public async Task Defer_ScheduledTime_IsKeptToTheMicrosecond()
    {
        var at = new DateTimeOffset(2031, 5, 6, 7, 8, 9, TimeSpan.FromHours(-5)).AddTicks(1234567);

        var id = await DeferAsync(Job(scheduledAt: at));

        var stored = (await GetJobAsync(id)).ScheduledAt!.Value;
        Assert.Equal(at.UtcDateTime.AddTicks(-7), stored.UtcDateTime);
        Assert.Equal(TimeSpan.Zero, stored.Offset);
    }

    [Fact]
    public async Task AppDefer_WithInvalidOptions_ThrowsArgumentException_AndWritesNothing()
    {
        var app = new ProcrastinateApp(Store, new ProcrastinateAppOptions { TimeProvider = Harness.Clock });
        DeferOptions[] invalid =
        [
            new() { ScheduleAt = DateTimeOffset.UtcNow, ScheduleIn = TimeSpan.FromMinutes(1) },
            new() { ScheduleIn = TimeSpan.FromSeconds(-1) },
            new() { Queue = new string('x', 41) },
        ];

        foreach (var options in invalid)
        {
            await Assert.ThrowsAnyAsync<ArgumentException>(async () => await app.DeferByNameAsync("any.task", "{}", options, allowUnknown: true));
        }

        Assert.Equal(0, await CountJobsAsync());
    }

    [Fact]
    public async Task AppDefer_WithScheduleIn_StoresAUtcScheduledTime()
    {
        var app = new ProcrastinateApp(Store, new ProcrastinateAppOptions { TimeProvider = Harness.Clock });
        var now = await Harness.NowAsync();

        var id = await app.DeferByNameAsync("any.task", "{}", new DeferOptions { ScheduleIn = TimeSpan.FromHours(1) }, allowUnknown: true);

        var scheduled = (await GetJobAsync(id)).ScheduledAt!.Value;
        Assert.Equal(TimeSpan.Zero, scheduled.Offset);
        AssertClose(now.AddHours(1), scheduled);
    }

    [Fact]
    public async Task DeferPeriodic_ClaimsEachTickOnce_NeverOneOlderThanTheLatestClaim_AndForgetsOlderClaims()
    {
        var job = Job(task: "periodic.task", args: """{"timestamp": 100}""");

        var first = await Store.DeferPeriodicJobAsync(job, "", 100);
        var again = await Store.DeferPeriodicJobAsync(job, "", 100);
        var otherSchedule = await Store.DeferPeriodicJobAsync(job, "hourly", 100);
        var otherTask = await Store.DeferPeriodicJobAsync(job with { TaskName = "other.task" }, "", 100);
        var next = await Store.DeferPeriodicJobAsync(job with { Args = """{"timestamp": 160}""" }, "", 160);
        var older = await Store.DeferPeriodicJobAsync(job, "", 40);

        Assert.NotNull(first);
        Assert.Null(again);
        Assert.NotNull(otherSchedule);
        Assert.NotNull(otherTask);
        Assert.NotNull(next);
        Assert.Null(older);
        var claims = (await Harness.PeriodicClaimsAsync()).OrderBy(c => c.TaskName).ThenBy(c => c.PeriodicId).ThenBy(c => c.DeferTimestamp).ToList();
        Assert.Equal(
            [("other.task", "", 100L, otherTask), ("periodic.task", "", 160L, next), ("periodic.task", "hourly", 100L, otherSchedule)],
            claims.Select(c => (c.TaskName, c.PeriodicId, c.DeferTimestamp, c.JobId)));
        Assert.Equal(["deferred"], await EventTypesAsync(next.Value));
        Assert.Equal("""{"timestamp": 160}""", (await GetJobAsync(next.Value)).Args);

        await Store.CancelJobAsync(next.Value, delete: true);
        Assert.Contains(await Harness.PeriodicClaimsAsync(), c => c is { PeriodicId: "", DeferTimestamp: 160, JobId: null });
        Assert.Null(await Store.DeferPeriodicJobAsync(job, "", 160));
    }

    [Fact]
    public async Task DeferPeriodic_IgnoresTheJobsSchedule()
    {
        var id = await Store.DeferPeriodicJobAsync(Job(scheduledAt: (await Harness.NowAsync()).AddDays(1)), "", 1);

        Assert.Null((await GetJobAsync(id!.Value)).ScheduledAt);
    }

    [Fact]
    public async Task DeferPeriodic_WithATakenQueueingLock_Throws_AndDoesNotClaimTheTick()
    {
        var blocker = await DeferAsync(Job(queueingLock: "QL"));

        await Assert.ThrowsAsync<AlreadyEnqueuedException>(async () => await Store.DeferPeriodicJobAsync(Job(queueingLock: "QL"), "", 100));

        Assert.Empty(await Harness.PeriodicClaimsAsync());
        await Store.CancelJobAsync(blocker);
        Assert.NotNull(await Store.DeferPeriodicJobAsync(Job(queueingLock: "QL"), "", 100));
    }

    private sealed class ForeignTransaction : System.Data.Common.DbTransaction
    {
        public override System.Data.IsolationLevel IsolationLevel => System.Data.IsolationLevel.ReadCommitted;

        protected override System.Data.Common.DbConnection? DbConnection => null;

        public override void Commit()
        {
        }

        public override void Rollback()
        {
        }
    }
}
