using Npgsql;
using Procrastinate.BuiltinTasks;
using Procrastinate.PostgreSql.Tests.Infrastructure;
using Procrastinate.Storage;

namespace Procrastinate.PostgreSql.Tests.Periodic;

public sealed class BuiltinTaskTests : PostgresTest
{
    public BuiltinTaskTests(DatabaseFixture database)
        : base(database)
    {
    }

    [Theory]
    [InlineData(null, false, false, false)]
    [InlineData(null, true, true, true)]
    [InlineData("default", true, false, false)]
    [InlineData(null, false, true, false)]
    [InlineData(null, false, false, true)]
    public async Task RemoveOldJobs_DeletesExactlyTheFinishedJobsAsked_WhoseLatestEventIsOld_WithTheirEvents(
        string? queue, bool removeFailed, bool removeCancelled, bool removeAborted)
    {
        var jobs = await CreateJobsAsync();
        var app = App();

        await RemoveOldJobs.Configure(app: app).DeferAsync(72, queue, removeFailed, removeCancelled, removeAborted);
        await DrainAsync(app, "builtin");

        var expected = new List<long> { jobs.SucceededOld };
        if (queue is null)
        {
            expected.Add(jobs.SucceededOldOtherQueue);
        }

        if (removeFailed)
        {
            expected.Add(jobs.FailedOld);
        }

        if (removeCancelled)
        {
            expected.Add(jobs.CancelledOld);
        }

        if (removeAborted)
        {
            expected.Add(jobs.AbortedOld);
        }

        var remaining = (await Store.ListJobsAsync(JobFilter.All)).Where(j => j.TaskName != RemoveOldJobs.Name).Select(j => j.Id);
        Assert.Equal(jobs.All.Except(expected).Order(), remaining.Order());
        Assert.Equal(0, await Database.ScalarAsync<long>("SELECT count(*) FROM procrastinate_events WHERE job_id = ANY($1)", expected.ToArray()));
        var builtin = Assert.Single(await Store.ListJobsAsync(new JobFilter { TaskName = RemoveOldJobs.Name }));
        Assert.Equal((JobStatus.Succeeded, "builtin"), (builtin.Status, builtin.Queue));
    }

    [Fact]
    public async Task RemoveOldJobs_ByNameOrAlias_AsTheCommandLineAndPythonDefer()
    {
        var jobs = await CreateJobsAsync();
        var app = App();

        await app.DeferByNameAsync("procrastinate.builtin_tasks.remove_old_jobs", """{"max_hours": 72, "remove_failed": true}""");
        await DrainAsync(app, "builtin");

        var remaining = (await Store.ListJobsAsync(JobFilter.All)).Select(j => j.Id).ToList();
        Assert.DoesNotContain(jobs.SucceededOld, remaining);
        Assert.DoesNotContain(jobs.FailedOld, remaining);
        Assert.Contains(jobs.CancelledOld, remaining);
    }

    [Fact]
    public async Task RemoveOldJobs_WithNegativeHours_FailsTheJob_AndDeletesNothing()
    {
        var jobs = await CreateJobsAsync();
        var app = App();

        var id = await app.DeferByNameAsync(RemoveOldJobs.Name, """{"max_hours": -1}""");
        await DrainAsync(app, "builtin");

        Assert.Equal(JobStatus.Failed, await Store.GetJobStatusAsync(id));
        Assert.Equal(jobs.All.Count + 1, await Database.CountJobsAsync());
    }

    [Fact]
    public async Task AUserPeriodicTaskCallingTheBuiltin_DeletesOldJobs()
    {
        var jobs = await CreateJobsAsync();
        var app = App(RemoveOldJobsAtFour.Definition);

        await RemoveOldJobsAtFour.Configure(app: app).DeferAsync(timestamp: 0);
        await DrainAsync(app, "default");

        var remaining = (await Store.ListJobsAsync(JobFilter.All)).Select(j => j.Id).ToList();
        Assert.Equal(
            [jobs.SucceededNew, jobs.TodoOld, jobs.DoingOld],
            jobs.All.Intersect(remaining).Order());
    }

    [Fact]
    public async Task DeferringTwiceWithTheSameQueueingLock_Throws_UnlessIgnored()
    {
        var app = App();
        var first = await RemoveOldJobs.Configure(queueingLock: "remove_old_jobs", app: app).DeferAsync(maxHours: 72);

        var exception = await Assert.ThrowsAsync<AlreadyEnqueuedException>(async () =>
            await RemoveOldJobs.Configure(queueingLock: "remove_old_jobs", app: app).DeferAsync(maxHours: 72));
        var ignored = await RemoveOldJobs.Configure(queueingLock: "remove_old_jobs", ignoreAlreadyEnqueued: true, app: app)
            .DeferAsync(maxHours: 72);
        var byName = await app.DeferByNameAsync(
            RemoveOldJobs.Name, """{"max_hours": 72}""", new DeferOptions { QueueingLock = "remove_old_jobs", IgnoreAlreadyEnqueued = true });

        Assert.Equal("remove_old_jobs", exception.QueueingLock);
        Assert.Equal((first, first), (ignored, byName));
        Assert.Equal(1, await Database.CountJobsAsync());
    }

    [Fact]
    public async Task IgnoringAlreadyEnqueued_AfterTheHolderStarted_DefersANewJob()
    {
        var app = App();
        var first = await RemoveOldJobs.Configure(queueingLock: "remove_old_jobs", app: app).DeferAsync(maxHours: 72);
        var worker = await Store.RegisterWorkerAsync();
        Assert.Single(await Store.FetchJobsAsync(new FetchJobsParams(worker, null)));

        var second = await RemoveOldJobs.Configure(queueingLock: "remove_old_jobs", ignoreAlreadyEnqueued: true, app: app)
            .DeferAsync(maxHours: 72);

        Assert.NotEqual(first, second);
    }

    [Fact]
    public async Task IgnoringAlreadyEnqueued_InsideATransaction_IsRefused()
    {
        var app = App();
        await using var connection = new NpgsqlConnection(Database.ConnectionString);
        await connection.OpenAsync();
        await using var transaction = await connection.BeginTransactionAsync();

        var exception = await Assert.ThrowsAsync<ArgumentException>(async () =>
            await RemoveOldJobs.Configure(queueingLock: "l", ignoreAlreadyEnqueued: true, app: app).DeferAsync(transaction, maxHours: 1));

        Assert.Contains("transaction", exception.Message, StringComparison.Ordinal);
    }

    private ProcrastinateApp App(params TaskDefinition[] tasks) =>
        new(Store, new ProcrastinateAppOptions { Tasks = new TaskRegistry(tasks) });

    private static Task DrainAsync(ProcrastinateApp app, string queue) =>
        app.RunWorkerAsync(new WorkerOptions
        {
            Queues = [queue],
            Wait = false,
            FetchJobPollingInterval = TimeSpan.FromMilliseconds(100),
            InstallSignalHandlers = false,
        }).WaitAsync(TimeSpan.FromSeconds(60));

    /// <summary>One job per case, every event of each 100 hours old except those of <see cref="OldJobs.SucceededNew"/>.</summary>
    private async Task<OldJobs> CreateJobsAsync()
    {
        var ids = await Store.DeferJobsAsync(
        [
            Job(), Job(), Job(), Job(), Job(), Job(), Job(queue: "other"), Job(),
        ]);
        var jobs = new OldJobs(ids[0], ids[1], ids[2], ids[3], ids[4], ids[5], ids[6], ids[7]);
        await Store.CancelJobAsync(jobs.CancelledOld);
        var worker = await Store.RegisterWorkerAsync();
        Assert.Equal(7, (await Store.FetchJobsAsync(new FetchJobsParams(worker, null, 8))).Count);
        await Store.FinishJobsAsync(
        [
            new JobCompletion(jobs.SucceededOld, JobStatus.Succeeded, false),
            new JobCompletion(jobs.SucceededNew, JobStatus.Succeeded, false),
            new JobCompletion(jobs.FailedOld, JobStatus.Failed, false),
            new JobCompletion(jobs.AbortedOld, JobStatus.Aborted, false),
            new JobCompletion(jobs.SucceededOldOtherQueue, JobStatus.Succeeded, false),
        ]);

        // TodoOld is fetched too, so put it back: a waiting job is never deleted, however old.
        await Store.RetryJobAsync(new RetryJobParams(jobs.TodoOld, DateTimeOffset.UtcNow));
        await Database.ExecuteAsync(
            "UPDATE procrastinate_events SET at = now() - interval '100 hours' WHERE job_id <> $1", jobs.SucceededNew);
        return jobs;
    }

    private sealed record OldJobs(
        long SucceededOld,
        long SucceededNew,
        long FailedOld,
        long CancelledOld,
        long AbortedOld,
        long TodoOld,
        long SucceededOldOtherQueue,
        long DoingOld)
    {
        public List<long> All => [SucceededOld, SucceededNew, FailedOld, CancelledOld, AbortedOld, TodoOld, SucceededOldOtherQueue, DoingOld];
    }
}
