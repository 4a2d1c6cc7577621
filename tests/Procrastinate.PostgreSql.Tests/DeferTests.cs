using Npgsql;
using Procrastinate.PostgreSql.Tests.Infrastructure;
using Procrastinate.Storage;

namespace Procrastinate.PostgreSql.Tests;

public sealed class DeferTests : PostgresTest
{
    public DeferTests(DatabaseFixture database)
        : base(database)
    {
    }

    [Fact]
    public async Task Defer_InsertsATodoJob_WithDeferredEvent()
    {
        var id = await DeferAsync(Job(task: "mod.func", queue: "q1", args: """{"n": 1.0, "m": 1}""", priority: 3, @lock: "L", queueingLock: "QL"));

        var job = await GetJobAsync(id);
        Assert.Equal(("mod.func", "q1", 3, "L", "QL"), (job.TaskName, job.Queue, job.Priority, job.Lock, job.QueueingLock));
        Assert.Equal("""{"m": 1, "n": 1.0}""", job.Args);
        Assert.Equal((JobStatus.Todo, 0, false, (long?)null, (DateTimeOffset?)null), (job.Status, job.Attempts, job.AbortRequested, job.WorkerId, job.ScheduledAt));
        Assert.Equal(["deferred"], await Database.EventsAsync(id));
    }

    [Fact]
    public async Task Defer_NotifiesBothChannels_WithTheContractsExactPayload()
    {
        await using var listener = await RawListener.StartAsync(Database.ConnectionString, "procrastinate_any_queue_v1", "procrastinate_queue_v1#emails");

        var id = await DeferAsync(Job(queue: "emails"));

        var expected = $$"""{"type" : "job_inserted", "job_id" : {{id}}}""";
        var first = await listener.NextAsync();
        var second = await listener.NextAsync();
        Assert.Equal(
            [("procrastinate_any_queue_v1", expected), ("procrastinate_queue_v1#emails", expected)],
            new[] { first, second }.OrderBy(n => n.Channel, StringComparer.Ordinal));
    }

    [Fact]
    public async Task BatchDefer_ReturnsIdsInInputOrder_InOneStatement()
    {
        var jobs = Enumerable.Range(0, 50).Select(i => Job(args: $$"""{"i": {{i}}}""", priority: 50 - i)).ToList();

        var ids = await Store.DeferJobsAsync(jobs);

        Assert.Equal(50, ids.Count);
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
        Assert.Equal(1, await Database.CountJobsAsync());
    }

    [Fact]
    public async Task Defer_WithATakenQueueingLock_CanBeIgnored()
    {
        var first = await Store.DeferJobAsync(Job(queueingLock: "QL"), ignoreAlreadyEnqueued: true);
        var second = await Store.DeferJobAsync(Job(queueingLock: "QL"), ignoreAlreadyEnqueued: true);

        Assert.NotNull(first);
        Assert.Null(second);
    }

    [Fact]
    public async Task Defer_QueueingLockOfARunningJob_DoesNotConflict()
    {
        await StartJobAsync(Job(queueingLock: "QL"));

        var id = await DeferAsync(Job(queueingLock: "QL"));

        Assert.Equal(JobStatus.Todo, (await GetJobAsync(id)).Status);
    }

    [Fact]
    public async Task BatchDefer_WithTwoJobsSharingAQueueingLock_InsertsNothing()
    {
        var e = await Assert.ThrowsAsync<AlreadyEnqueuedException>(async () =>
            await Store.DeferJobsAsync([Job(queueingLock: "a"), Job(queueingLock: "dup"), Job(), Job(queueingLock: "dup")]));

        Assert.Equal("dup", e.QueueingLock);
        Assert.Equal(0, await Database.CountJobsAsync());
    }

    [Fact]
    public async Task BatchDefer_ConflictingWithAWaitingJob_InsertsNothingAndNamesTheLock()
    {
        await DeferAsync(Job(queueingLock: "taken"));

        var e = await Assert.ThrowsAsync<AlreadyEnqueuedException>(async () =>
            await Store.DeferJobsAsync([Job(queueingLock: "free"), Job(queueingLock: "taken"), Job()]));

        Assert.Equal("taken", e.QueueingLock);
        Assert.Equal(1, await Database.CountJobsAsync());
    }

    [Fact]
    public async Task Defer_Scheduled_RecordsScheduledEventAtTheScheduledTime_AndIsNotFetchedBeforeIt()
    {
        var at = DateTimeOffset.UtcNow.AddHours(1);
        var id = await DeferAsync(Job(scheduledAt: new DateTimeOffset(at.UtcDateTime).ToOffset(TimeSpan.FromHours(2))));
        var worker = await Store.RegisterWorkerAsync();

        Assert.Equal(["scheduled", "deferred"], await Database.EventsAsync(id));
        var scheduledEventAt = await Database.ScalarAsync<DateTime>("SELECT at FROM procrastinate_events WHERE type = 'scheduled'");
        Assert.Equal(at.UtcDateTime, scheduledEventAt, TimeSpan.FromMilliseconds(1));
        Assert.Equal(at, (await GetJobAsync(id)).ScheduledAt!.Value, TimeSpan.FromMilliseconds(1));
        Assert.Empty(await Store.FetchJobsAsync(new FetchJobsParams(worker, null)));

        await Database.ExecuteAsync("UPDATE procrastinate_jobs SET scheduled_at = now() - interval '1 second'");
        Assert.Equal(id, Assert.Single(await Store.FetchJobsAsync(new FetchJobsParams(worker, null))).Id);
    }

    [Fact]
    public async Task Defer_InACommittedTransaction_ExistsAndNotifiesOnlyAfterCommit()
    {
        await using var listener = await RawListener.StartAsync(Database.ConnectionString, "procrastinate_any_queue_v1");
        await using var connection = new NpgsqlConnection(Database.ConnectionString);
        await connection.OpenAsync();
        await using var transaction = await connection.BeginTransactionAsync();

        var id = (await Store.DeferJobsAsync([Job()], transaction))[0];
        Assert.Equal(0, await Database.CountJobsAsync());
        await transaction.CommitAsync();

        Assert.Equal(JobStatus.Todo, (await GetJobAsync(id)).Status);
        Assert.Equal($$"""{"type" : "job_inserted", "job_id" : {{id}}}""", (await listener.NextAsync()).Payload);
    }

    [Fact]
    public async Task Defer_InARolledBackTransaction_LeavesNoRowAndSendsNoNotification()
    {
        await using var listener = await RawListener.StartAsync(Database.ConnectionString, "procrastinate_any_queue_v1");
        await using (var connection = new NpgsqlConnection(Database.ConnectionString))
        {
            await connection.OpenAsync();
            await using var transaction = await connection.BeginTransactionAsync();
            await Store.DeferJobsAsync([Job(args: """{"rolled": "back"}"""), Job()], transaction);
            await transaction.RollbackAsync();
        }

        Assert.Equal(0, await Database.CountJobsAsync());
        var marker = await DeferAsync(Job());
        // Notifications arrive in commit order: the first one must be the marker's, so the rollback sent none.
        Assert.Equal($$"""{"type" : "job_inserted", "job_id" : {{marker}}}""", (await listener.NextAsync()).Payload);
    }

    [Fact]
    public async Task Defer_WithAForeignTransaction_IsNotSupported()
    {
        await Assert.ThrowsAsync<NotSupportedException>(async () => await Store.DeferJobsAsync([Job()], new ForeignTransaction()));
    }

    [Theory]
    [InlineData("a-queue-name-that-is-exactly-41-bytes-xyz")]
    [InlineData("ééééééééééééééééééééé")] // 21 characters, 42 bytes
    public async Task Defer_QueueNameOver40Bytes_ThrowsArgumentException_BeforeTheDatabase(string queue)
    {
        await Assert.ThrowsAsync<ArgumentException>(async () => await DeferAsync(Job(queue: queue)));
        await Assert.ThrowsAsync<ArgumentException>(async () => await Store.DeferJobsAsync([Job(), Job(queue: queue)]));

        Assert.Equal(0, await Database.ScalarAsync<long>("SELECT last_value FROM procrastinate_jobs_id_seq WHERE is_called"));
    }

    [Fact]
    public async Task Defer_QueueNameOf40Bytes_Works()
    {
        var queue = new string('q', 40);
        await using var listener = await RawListener.StartAsync(Database.ConnectionString, "procrastinate_queue_v1#" + queue);

        var id = await DeferAsync(Job(queue: queue));

        Assert.Equal($$"""{"type" : "job_inserted", "job_id" : {{id}}}""", (await listener.NextAsync()).Payload);
    }

    [Fact]
    public async Task AppDefer_WithInvalidOptions_ThrowsArgumentException_AndWritesNothing()
    {
        var app = new ProcrastinateApp(Store);
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

        Assert.Equal(0, await Database.CountJobsAsync());
    }

    [Fact]
    public async Task AppDefer_WithScheduleIn_StoresAUtcScheduledTime()
    {
        var app = new ProcrastinateApp(Store);
        var before = DateTimeOffset.UtcNow;

        var id = await app.DeferByNameAsync("any.task", "{}", new DeferOptions { ScheduleIn = TimeSpan.FromHours(1) }, allowUnknown: true);

        var scheduled = (await GetJobAsync(id)).ScheduledAt!.Value;
        Assert.Equal(TimeSpan.Zero, scheduled.Offset);
        Assert.InRange(scheduled, before.AddHours(1), DateTimeOffset.UtcNow.AddHours(1));
    }

    [Fact]
    public async Task DeferPeriodic_ClaimsEachTickOnce_AndForgetsOlderTicks()
    {
        var job = Job(task: "periodic.task", args: """{"timestamp": 100}""");

        var first = await Store.DeferPeriodicJobAsync(job, "", 100);
        var again = await Store.DeferPeriodicJobAsync(job, "", 100);
        var otherSchedule = await Store.DeferPeriodicJobAsync(job, "hourly", 100);
        var next = await Store.DeferPeriodicJobAsync(job with { Args = """{"timestamp": 160}""" }, "", 160);

        Assert.NotNull(first);
        Assert.Null(again);
        Assert.NotNull(otherSchedule);
        Assert.NotNull(next);
        Assert.Equal(2, await Database.ScalarAsync<long>("SELECT count(*) FROM procrastinate_periodic_defers"));
        Assert.Equal(160, await Database.ScalarAsync<long>("SELECT defer_timestamp FROM procrastinate_periodic_defers WHERE periodic_id = ''"));

        await Store.CancelJobAsync(next.Value, delete: true);
        Assert.Equal(1, await Database.ScalarAsync<long>("SELECT count(*) FROM procrastinate_periodic_defers WHERE job_id IS NULL"));
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
