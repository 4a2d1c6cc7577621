using Procrastinate.Storage;

namespace Procrastinate.StoreContract;

/// <summary>Fetching as SCHEMA.md 2.9 and 2.10 describe it: priorities, queues, schedules, locks and their ordering.</summary>
public abstract class FetchContract : StoreContract
{
    protected FetchContract(IStoreHarness harness)
        : base(harness)
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
            order.Add(Assert.Single(await FetchIdsAsync(worker, limit: 1)));
        }

        Assert.Equal([ids[1], ids[3], ids[0], ids[2]], order);
        Assert.Empty(await FetchIdsAsync(worker));
    }

    [Fact]
    public async Task FetchBatch_ReturnsJobsByPriorityThenId_UpToTheLimit_AsRunningJobsOfTheWorker()
    {
        var ids = await Store.DeferJobsAsync([Job(priority: 0), Job(priority: 5), Job(priority: -1), Job(priority: 5)]);
        var worker = await Store.RegisterWorkerAsync();

        var batch = await Store.FetchJobsAsync(new FetchJobsParams(worker, null, 3));

        Assert.Equal([ids[1], ids[3], ids[0]], batch.Select(j => j.Id));
        Assert.All(batch, j => Assert.Equal((JobStatus.Doing, worker, 0), (j.Status, j.WorkerId!.Value, j.Attempts)));
        Assert.Equal(batch, (await Store.ListJobsAsync(new JobFilter { Status = JobStatus.Doing })).OrderByDescending(j => j.Priority).ThenBy(j => j.Id));
        Assert.Equal([ids[2]], await FetchIdsAsync(worker, limit: 3));
    }

    [Fact]
    public async Task Fetch_OnlyFromTheGivenQueues()
    {
        var ids = await Store.DeferJobsAsync([Job(queue: "a"), Job(queue: "b"), Job(queue: "c")]);
        var worker = await Store.RegisterWorkerAsync();

        Assert.Equal([ids[0], ids[2]], await FetchIdsAsync(worker, ["c", "a"]));
        Assert.Empty(await FetchIdsAsync(worker, []));
        Assert.Equal([ids[1]], await FetchIdsAsync(worker));
    }

    [Fact]
    public async Task Fetch_SkipsAJobWhoseLockARunningJobHolds_UntilItEnds()
    {
        var (running, worker) = await StartJobAsync(Job(@lock: "L"));
        var blocked = await DeferAsync(Job(@lock: "L", priority: 10));
        var free = await DeferAsync(Job());

        Assert.Equal([free], await FetchIdsAsync(worker));
        Assert.Equal(JobStatus.Todo, await Store.GetJobStatusAsync(blocked));

        await Store.FinishJobsAsync([new JobCompletion(running, JobStatus.Failed, false)]);
        Assert.Equal([blocked], await FetchIdsAsync(worker));
    }

    [Fact]
    public async Task Fetch_SkipsAJobWhenAnEarlierWaitingJobWithTheLockIsInAnotherQueueOrScheduledLater()
    {
        var worker = await Store.RegisterWorkerAsync();
        var elsewhere = await DeferAsync(Job(queue: "elsewhere", @lock: "L1"));
        var blockedByOtherQueue = await DeferAsync(Job(queue: "mine", @lock: "L1"));
        var later = await DeferAsync(Job(queue: "mine", @lock: "L2", priority: 3, scheduledAt: (await Harness.NowAsync()).AddHours(1)));
        var blockedBySchedule = await DeferAsync(Job(queue: "mine", @lock: "L2", priority: 1));
        var free = await DeferAsync(Job(queue: "mine"));

        Assert.Equal([free], await FetchIdsAsync(worker, ["mine"]));
        Assert.Equal(JobStatus.Todo, await Store.GetJobStatusAsync(blockedByOtherQueue));
        Assert.Equal(JobStatus.Todo, await Store.GetJobStatusAsync(blockedBySchedule));

        Assert.Equal([elsewhere], await FetchIdsAsync(worker, ["elsewhere"]));
        await Store.FinishJobsAsync([new JobCompletion(elsewhere, JobStatus.Succeeded, false)]);
        Assert.Equal([blockedByOtherQueue], await FetchIdsAsync(worker, ["mine"]));

        await Harness.AdvanceTimeAsync(TimeSpan.FromHours(1) + ClockDrift);
        Assert.Equal([later], await FetchIdsAsync(worker, ["mine"]));
        await Store.FinishJobsAsync([new JobCompletion(later, JobStatus.Succeeded, false)]);
        Assert.Equal([blockedBySchedule], await FetchIdsAsync(worker, ["mine"]));
    }

    [Fact]
    public async Task Fetch_AHigherPriorityJobWithTheLock_GoesBeforeAnEarlierOne()
    {
        var worker = await Store.RegisterWorkerAsync();
        var early = await DeferAsync(Job(@lock: "L", priority: 0));
        var urgent = await DeferAsync(Job(@lock: "L", priority: 9));
        var sameButLater = await DeferAsync(Job(@lock: "L", priority: 9));

        Assert.Equal([urgent], await FetchIdsAsync(worker));
        Assert.Empty(await FetchIdsAsync(worker));
        await Store.FinishJobsAsync([new JobCompletion(urgent, JobStatus.Failed, false)]);
        Assert.Equal([sameButLater], await FetchIdsAsync(worker));
        await Store.FinishJobsAsync([new JobCompletion(sameButLater, JobStatus.Succeeded, false)]);
        Assert.Equal([early], await FetchIdsAsync(worker));
    }

    [Fact]
    public async Task Fetch_ARetriedJobKeepsItsPlaceInTheLockOrder()
    {
        var worker = await Store.RegisterWorkerAsync();
        var first = await DeferAsync(Job(@lock: "L"));
        var second = await DeferAsync(Job(@lock: "L"));
        Assert.Equal([first], await FetchIdsAsync(worker));

        await Store.RetryJobAsync(new RetryJobParams(first, (await Harness.NowAsync()).AddHours(1)));

        // The retried job waits for its schedule and, having the smaller id, blocks the other one meanwhile.
        Assert.Empty(await FetchIdsAsync(worker));
        await Harness.AdvanceTimeAsync(TimeSpan.FromHours(1) + ClockDrift);
        Assert.Equal([first], await FetchIdsAsync(worker));
        Assert.Equal(JobStatus.Todo, await Store.GetJobStatusAsync(second));
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
        var now = await Harness.NowAsync();
        var jobs = Enumerable.Range(0, 30).Select(i => Job(
            queue: i % 5 == 0 ? "other" : "main",
            @lock: i % 3 == 0 ? null : "lock-" + (i % 4),
            priority: i % 3,
            scheduledAt: i % 7 == 0 ? now.AddHours(1) : null)).ToList();
        await Store.DeferJobsAsync(jobs);
        var worker = await Store.RegisterWorkerAsync();
        var batch = await FetchIdsAsync(worker, ["main"], 100);

        await Harness.ResetAsync();
        await Store.DeferJobsAsync(jobs);
        worker = await Store.RegisterWorkerAsync();
        var oneByOne = new List<long>();
        while (await FetchIdsAsync(worker, ["main"], 1) is [var id])
        {
            oneByOne.Add(id);
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
        Assert.Equal(200, (await Store.ListJobsAsync(new JobFilter { Status = JobStatus.Succeeded })).Count);
    }

    [Fact]
    public async Task Fetch_WithAnUnknownWorker_ThrowsWorkerNotRegistered_WhenThereIsAJobToTake()
    {
        Assert.Empty(await Store.FetchJobsAsync(new FetchJobsParams(12345, null)));
        var id = await DeferAsync(Job());

        var e = await Assert.ThrowsAsync<WorkerNotRegisteredException>(async () => await Store.FetchJobsAsync(new FetchJobsParams(12345, null)));

        Assert.Equal(12345, e.WorkerId);
        Assert.Equal(JobStatus.Todo, await Store.GetJobStatusAsync(id));
    }

    [Fact]
    public async Task Fetch_WithALimitBelowOne_Throws()
    {
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(async () => await Store.FetchJobsAsync(new FetchJobsParams(1, null, 0)));
        await Assert.ThrowsAsync<ArgumentNullException>(async () => await Store.FetchJobsAsync(null!));
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

        // The completion released lock "l" before the fetch looked, so its next job came with this fetch.
        Assert.Equal(second, Assert.Single(next).Id);
        Assert.Equal((JobStatus.Succeeded, 1), ((await GetJobAsync(first)).Status, (await GetJobAsync(first)).Attempts));
        Assert.Empty(await Store.ListJobsAsync(new JobFilter { Id = plain }));
        Assert.Equal(["deferred", "started", "succeeded"], await EventTypesAsync(first));
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
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    [InlineData(6)]
    public async Task Fetch_TakesWhatTheContractsOneJobChoiceTakes_ForEveryQueueSet_OverRandomTables(int seed)
    {
        // The reference is procrastinate_fetch_job_v2's choice, applied once per job of the batch to the store's own
        // listing: a waiting, due job of the worker's queues, whose lock no running job holds and no waiting job
        // with the lock precedes (higher priority, or same priority and smaller id, in any queue, due or not),
        // highest priority first, then smallest id.
        var random = new Random(seed);
        var now = await Harness.NowAsync();
        string[] names = ["q0", "q1", "q2", "q3", "q4", "q5"];
        var jobs = Enumerable.Range(0, 80).Select(_ => Job(
            queue: names[random.Next(names.Length)],
            priority: random.Next(4) - 1,
            @lock: random.Next(3) == 0 ? null : "L" + random.Next(5),
            scheduledAt: random.Next(8) switch { 0 => now.AddHours(1), 1 => now.AddHours(-1), _ => null })).ToList();
        await Store.DeferJobsAsync(jobs);
        var worker = await Store.RegisterWorkerAsync();

        // Some jobs running and some finished, taken as a worker of every queue takes them.
        var started = await Store.FetchJobsAsync(new FetchJobsParams(worker, null, 12));
        await Store.FinishJobsAsync([.. started.Where((_, i) => i % 2 == 0).Select(j => new JobCompletion(j.Id, JobStatus.Succeeded, false))]);

        IReadOnlyList<string>?[] queueSets =
        [
            [names[random.Next(names.Length)]],
            [.. names.OrderBy(_ => random.Next()).Take(3)],
            [.. names, "missing"],
            null,
        ];
        foreach (var queues in queueSets)
        {
            for (var round = 0; round < 100; round++)
            {
                var limit = 1 + random.Next(5);
                var expected = ContractChoice(await Store.ListJobsAsync(JobFilter.All), queues, limit, await Harness.NowAsync());
                var batch = await Store.FetchJobsAsync(new FetchJobsParams(worker, queues, limit));

                Assert.Equal(expected, batch.Select(j => j.Id));
                if (batch.Count == 0)
                {
                    break;
                }

                await Store.FinishJobsAsync([.. batch.Where(j => j.Id % 2 == 0).Select(j => new JobCompletion(j.Id, JobStatus.Succeeded, false))]);
            }
        }
    }

    /// <summary>The jobs <c>procrastinate_fetch_job_v2</c> would take, called <paramref name="limit"/> times.</summary>
    private static List<long> ContractChoice(IReadOnlyList<Job> jobs, IReadOnlyList<string>? queues, int limit, DateTimeOffset now)
    {
        var state = jobs.ToDictionary(j => j.Id, j => j.Status);
        var taken = new List<long>();
        for (var i = 0; i < limit; i++)
        {
            var next = jobs
                .Where(c => state[c.Id] == JobStatus.Todo
                            && (queues is null || queues.Contains(c.Queue))
                            && (c.ScheduledAt is null || c.ScheduledAt <= now)
                            && (c.Lock is null || !jobs.Any(b => b.Lock == c.Lock
                                && (state[b.Id] == JobStatus.Doing
                                    || (state[b.Id] == JobStatus.Todo && (b.Priority > c.Priority || (b.Priority == c.Priority && b.Id < c.Id)))))))
                .OrderByDescending(c => c.Priority)
                .ThenBy(c => c.Id)
                .FirstOrDefault();
            if (next is null)
            {
                break;
            }

            state[next.Id] = JobStatus.Doing;
            taken.Add(next.Id);
        }

        return [.. taken.OrderByDescending(id => jobs.First(j => j.Id == id).Priority).ThenBy(id => id)];
    }
}
