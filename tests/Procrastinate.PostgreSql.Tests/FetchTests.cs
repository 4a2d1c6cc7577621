using Npgsql;
using Procrastinate.PostgreSql.Tests.Infrastructure;
using Procrastinate.Storage;

namespace Procrastinate.PostgreSql.Tests;

/// <summary>Fetching as SCHEMA.md 2.9 and 2.10 describe it, one job and several per round trip.</summary>
public sealed class FetchTests : PostgresTest
{
    public FetchTests(DatabaseFixture database)
        : base(database)
    {
    }

    [Fact]
    public async Task Fetch_TakesHigherPriorityFirst_ThenSmallerId()
    {
        var ids = await Store.DeferJobsAsync([Job(priority: 0), Job(priority: 5), Job(priority: -1), Job(priority: 5)]);
        var worker = await Store.RegisterWorkerAsync();

        var order = new List<long>();
        for (var i = 0; i < 4; i++)
        {
            order.Add(Assert.Single(await Store.FetchJobsAsync(new FetchJobsParams(worker, null))).Id);
        }

        Assert.Equal([ids[1], ids[3], ids[0], ids[2]], order);
        Assert.Empty(await Store.FetchJobsAsync(new FetchJobsParams(worker, null)));
    }

    [Fact]
    public async Task FetchBatch_ReturnsJobsByPriorityThenId_UpToTheLimit()
    {
        var ids = await Store.DeferJobsAsync([Job(priority: 0), Job(priority: 5), Job(priority: -1), Job(priority: 5)]);
        var worker = await Store.RegisterWorkerAsync();

        var batch = await Store.FetchJobsAsync(new FetchJobsParams(worker, null, 3));

        Assert.Equal([ids[1], ids[3], ids[0]], batch.Select(j => j.Id));
        Assert.All(batch, j => Assert.Equal((JobStatus.Doing, worker, 0), (j.Status, j.WorkerId!.Value, j.Attempts)));
        Assert.Equal(ids[2], Assert.Single(await Store.FetchJobsAsync(new FetchJobsParams(worker, null, 3))).Id);
    }

    [Fact]
    public async Task Fetch_OnlyFromTheGivenQueues()
    {
        var ids = await Store.DeferJobsAsync([Job(queue: "a"), Job(queue: "b"), Job(queue: "c")]);
        var worker = await Store.RegisterWorkerAsync();

        var batch = await Store.FetchJobsAsync(new FetchJobsParams(worker, ["c", "a"], 10));

        Assert.Equal([ids[0], ids[2]], batch.Select(j => j.Id));
        Assert.Empty(await Store.FetchJobsAsync(new FetchJobsParams(worker, [], 10)));
    }

    [Fact]
    public async Task Fetch_SkipsAJobWhoseLockARunningJobHolds()
    {
        var (_, worker) = await StartJobAsync(Job(@lock: "L"));
        var blocked = await DeferAsync(Job(@lock: "L", priority: 10));
        var free = await DeferAsync(Job());

        Assert.Equal([free], (await Store.FetchJobsAsync(new FetchJobsParams(worker, null, 10))).Select(j => j.Id));
        Assert.Equal(JobStatus.Todo, await Store.GetJobStatusAsync(blocked));
    }

    [Fact]
    public async Task Fetch_SkipsAJobWhenAnEarlierWaitingJobWithTheLockIsInAnotherQueueOrScheduledLater()
    {
        var worker = await Store.RegisterWorkerAsync();
        await DeferAsync(Job(queue: "elsewhere", @lock: "L1"));
        var blockedByOtherQueue = await DeferAsync(Job(queue: "mine", @lock: "L1"));
        await DeferAsync(Job(queue: "mine", @lock: "L2", priority: 3, scheduledAt: DateTimeOffset.UtcNow.AddHours(1)));
        var blockedBySchedule = await DeferAsync(Job(queue: "mine", @lock: "L2", priority: 1));
        var free = await DeferAsync(Job(queue: "mine"));

        Assert.Equal([free], (await Store.FetchJobsAsync(new FetchJobsParams(worker, ["mine"], 10))).Select(j => j.Id));
        Assert.Equal(JobStatus.Todo, await Store.GetJobStatusAsync(blockedByOtherQueue));
        Assert.Equal(JobStatus.Todo, await Store.GetJobStatusAsync(blockedBySchedule));
    }

    [Fact]
    public async Task Fetch_AHigherPriorityJobWithTheLock_GoesBeforeAnEarlierOne()
    {
        var worker = await Store.RegisterWorkerAsync();
        var early = await DeferAsync(Job(@lock: "L", priority: 0));
        var urgent = await DeferAsync(Job(@lock: "L", priority: 9));

        Assert.Equal([urgent], (await Store.FetchJobsAsync(new FetchJobsParams(worker, null, 10))).Select(j => j.Id));
        Assert.Empty(await Store.FetchJobsAsync(new FetchJobsParams(worker, null, 10)));
        await Store.FinishJobsAsync([new JobCompletion(urgent, JobStatus.Failed, false)]);
        Assert.Equal([early], (await Store.FetchJobsAsync(new FetchJobsParams(worker, null, 10))).Select(j => j.Id));
    }

    [Fact]
    public async Task FetchBatch_NeverReturnsTwoJobsWithTheSameLock()
    {
        var worker = await Store.RegisterWorkerAsync();
        var jobs = new List<JobToDefer>();
        for (var i = 0; i < 12; i++)
        {
            jobs.Add(Job(@lock: i % 4 == 3 ? null : "lock-" + (i % 3), priority: i % 2));
        }

        await Store.DeferJobsAsync(jobs);
        var seen = new List<long>();
        while (true)
        {
            var batch = await Store.FetchJobsAsync(new FetchJobsParams(worker, null, 12));
            if (batch.Count == 0)
            {
                break;
            }

            var locks = batch.Where(j => j.Lock is not null).Select(j => j.Lock).ToList();
            Assert.Equal(locks.Distinct().Count(), locks.Count);
            seen.AddRange(batch.Select(j => j.Id));
            await Store.FinishJobsAsync(batch.Select(j => new JobCompletion(j.Id, JobStatus.Succeeded, false)).ToList());
        }

        Assert.Equal(12, seen.Distinct().Count());
    }

    [Fact]
    public async Task FetchBatch_TakesTheSameJobsAsOneAtATimeFetches()
    {
        var jobs = Enumerable.Range(0, 30).Select(i => Job(
            queue: i % 5 == 0 ? "other" : "main",
            @lock: i % 3 == 0 ? null : "lock-" + (i % 4),
            priority: i % 3,
            scheduledAt: i % 7 == 0 ? DateTimeOffset.UtcNow.AddHours(1) : null)).ToList();
        await Store.DeferJobsAsync(jobs);
        var worker = await Store.RegisterWorkerAsync();

        var batch = (await Store.FetchJobsAsync(new FetchJobsParams(worker, ["main"], 100))).Select(j => j.Id).ToList();

        await Database.ResetAsync();
        await Store.DeferJobsAsync(jobs);
        worker = await Store.RegisterWorkerAsync();
        var oneByOne = new List<long>();
        await using (var connection = await Store.DataSource.OpenConnectionAsync())
        {
            while (true)
            {
                await using var command = new NpgsqlCommand("SELECT id FROM procrastinate_fetch_job_v2(ARRAY['main']::varchar[], $1)", connection);
                command.Parameters.Add(new NpgsqlParameter { Value = worker });
                if (await command.ExecuteScalarAsync() is not long id)
                {
                    break;
                }

                oneByOne.Add(id);
            }
        }

        Assert.NotEmpty(batch);
        Assert.Equal(oneByOne, batch);
    }

    [Fact]
    public async Task FetchBatch_FromConcurrentWorkers_TakesEachJobOnce()
    {
        await Store.DeferJobsAsync(Enumerable.Range(0, 200).Select(i => Job(@lock: i % 10 == 0 ? "shared" : null)).ToList());
        var workers = new List<long>();
        for (var i = 0; i < 4; i++)
        {
            workers.Add(await Store.RegisterWorkerAsync());
        }

        var taken = await Task.WhenAll(workers.Select(w => Task.Run(async () =>
        {
            var mine = new List<long>();
            while (true)
            {
                var batch = await Store.FetchJobsAsync(new FetchJobsParams(w, null, 7));
                if (batch.Count == 0)
                {
                    return mine;
                }

                mine.AddRange(batch.Select(j => j.Id));
                await Store.FinishJobsAsync(batch.Select(j => new JobCompletion(j.Id, JobStatus.Succeeded, false)).ToList());
            }
        })));

        var all = taken.SelectMany(t => t).ToList();
        Assert.Equal(200, all.Count);
        Assert.Equal(200, all.Distinct().Count());
        Assert.Equal(0, await Database.ScalarAsync<long>("SELECT count(*) FROM procrastinate_jobs WHERE status <> 'succeeded'"));
    }

    [Fact]
    public async Task FinishAndFetch_RecordsTheCompletions_ThenTakesJobsTheyUnblocked()
    {
        var first = await DeferAsync(Job(@lock: "l"));
        var second = await DeferAsync(Job(@lock: "l"));
        var plain = await DeferAsync(Job());
        var worker = await Store.RegisterWorkerAsync();
        var running = await Store.FetchJobsAsync(new FetchJobsParams(worker, null, 10));
        Assert.Equal([first, plain], running.Select(j => j.Id));

        var next = await Store.FinishAndFetchJobsAsync(
            [new JobCompletion(first, JobStatus.Succeeded, false), new JobCompletion(plain, JobStatus.Failed, true)],
            new FetchJobsParams(worker, null, 10));

        // The completion released lock "l" within the same transaction, so its next job came with this fetch.
        Assert.Equal(second, Assert.Single(next).Id);
        Assert.Equal(JobStatus.Succeeded, (await GetJobAsync(first)).Status);
        Assert.Equal(1, (await GetJobAsync(first)).Attempts);
        Assert.Empty(await Store.ListJobsAsync(new JobFilter { Id = plain }));
        Assert.Equal(["deferred", "started", "succeeded"], await Database.EventsAsync(first));
    }

    [Fact]
    public async Task FinishAndFetch_WithAJobThatIsNotRunning_ChangesNothing()
    {
        var running = await DeferAsync(Job());
        var waiting = await DeferAsync(Job());
        var worker = await Store.RegisterWorkerAsync();
        Assert.Single(await Store.FetchJobsAsync(new FetchJobsParams(worker, null, 1)));

        await Assert.ThrowsAsync<InvalidOperationException>(async () => await Store.FinishAndFetchJobsAsync(
            [new JobCompletion(running, JobStatus.Succeeded, false), new JobCompletion(987654, JobStatus.Succeeded, false)],
            new FetchJobsParams(worker, null, 10)));

        Assert.Equal(JobStatus.Doing, (await GetJobAsync(running)).Status);
        Assert.Equal(JobStatus.Todo, (await GetJobAsync(waiting)).Status);
    }

    [Fact]
    public async Task FinishAndFetch_WithABadStatusOrLimit_ThrowsBeforeAnyChange()
    {
        var id = await DeferAsync(Job());
        var worker = await Store.RegisterWorkerAsync();

        await Assert.ThrowsAsync<ArgumentException>(async () => await Store.FinishAndFetchJobsAsync(
            [new JobCompletion(id, JobStatus.Doing, false)], new FetchJobsParams(worker, null)));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(async () => await Store.FinishAndFetchJobsAsync(
            [new JobCompletion(id, JobStatus.Succeeded, false)], new FetchJobsParams(worker, null, 0)));

        Assert.Equal(JobStatus.Todo, (await GetJobAsync(id)).Status);
    }

    [Fact]
    public async Task Fetch_WithAnUnknownWorker_Fails()
    {
        await DeferAsync(Job());

        var e = await Assert.ThrowsAsync<PostgresException>(async () => await Store.FetchJobsAsync(new FetchJobsParams(12345, null)));

        Assert.Equal(PostgresErrorCodes.ForeignKeyViolation, e.SqlState);
    }

    [Fact]
    public async Task Fetch_WithALimitBelowOne_Throws()
    {
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(async () => await Store.FetchJobsAsync(new FetchJobsParams(1, null, 0)));
    }
}
