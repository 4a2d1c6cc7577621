using Procrastinate.Storage;

namespace Procrastinate.StoreContract;

/// <summary>Listing jobs and counting them per queue, task and lock.</summary>
public abstract class ListingContract : StoreContract
{
    protected ListingContract(IStoreHarness harness)
        : base(harness)
    {
    }

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        var worker = await Store.RegisterWorkerAsync();
        // Job 1 a/t1/L1 doing, 2 a/t1/L1 todo, 3 b/t2 succeeded, 4 b/t1/L2 failed, 5 a/t2 cancelled.
        var ids = await Store.DeferJobsAsync(
        [
            Job(queue: "a", task: "t1", @lock: "L1"),
            Job(queue: "a", task: "t1", @lock: "L1", queueingLock: "QL1"),
            Job(queue: "b", task: "t2"),
            Job(queue: "b", task: "t1", @lock: "L2"),
            Job(queue: "a", task: "t2"),
        ]);
        await Store.FetchJobsAsync(new FetchJobsParams(worker, ["a"], 1));
        var started = await Store.FetchJobsAsync(new FetchJobsParams(worker, ["b"], 2));
        Assert.Equal(2, started.Count);
        await Store.FinishJobsAsync([new JobCompletion(ids[2], JobStatus.Succeeded, false), new JobCompletion(ids[3], JobStatus.Failed, false)]);
        await Store.CancelJobAsync(ids[4]);
    }

    [Fact]
    public async Task ListJobs_FiltersByEveryField_ById()
    {
        Assert.Equal([1L, 2, 3, 4, 5], (await Store.ListJobsAsync(JobFilter.All)).Select(j => j.Id));
        Assert.Equal([1L, 2, 5], (await Store.ListJobsAsync(new JobFilter { Queue = "a" })).Select(j => j.Id));
        Assert.Equal([3L, 5], (await Store.ListJobsAsync(new JobFilter { TaskName = "t2" })).Select(j => j.Id));
        Assert.Equal([2L], (await Store.ListJobsAsync(new JobFilter { Status = JobStatus.Todo })).Select(j => j.Id));
        Assert.Equal([1L, 2], (await Store.ListJobsAsync(new JobFilter { Lock = "L1" })).Select(j => j.Id));
        Assert.Equal([2L], (await Store.ListJobsAsync(new JobFilter { QueueingLock = "QL1" })).Select(j => j.Id));
        Assert.Equal([1L, 3, 4], (await Store.ListJobsAsync(new JobFilter { WorkerId = 1 })).Select(j => j.Id));
        Assert.Equal([4L], (await Store.ListJobsAsync(new JobFilter { Id = 4, Queue = "b" })).Select(j => j.Id));
        Assert.Empty(await Store.ListJobsAsync(new JobFilter { Id = 4, Queue = "a" }));
        Assert.Empty(await Store.ListJobsAsync(new JobFilter { Status = JobStatus.Aborting }));
    }

    [Fact]
    public async Task ListJobs_PagesByIdAfterTheLastOne()
    {
        var pages = new List<IReadOnlyList<long>>();
        long? after = null;
        while (true)
        {
            var page = await Store.ListJobsAsync(new JobFilter { AfterId = after, Limit = 2 });
            if (page.Count == 0)
            {
                break;
            }

            pages.Add(page.Select(j => j.Id).ToList());
            after = page[^1].Id;
        }

        Assert.Equal([[1L, 2], [3L, 4], [5L]], pages);
        Assert.Equal([3L, 4, 5], (await Store.ListJobsAsync(new JobFilter { AfterId = 2 })).Select(j => j.Id));
        Assert.Empty(await Store.ListJobsAsync(new JobFilter { AfterId = 5, Limit = 2 }));
    }

    [Fact]
    public async Task ListJobs_Descending_PagesFromTheNewestJob()
    {
        var pages = new List<IReadOnlyList<long>>();
        long? before = null;
        while (true)
        {
            var page = await Store.ListJobsAsync(new JobFilter { Descending = true, BeforeId = before, Limit = 2 });
            if (page.Count == 0)
            {
                break;
            }

            pages.Add(page.Select(j => j.Id).ToList());
            before = page[^1].Id;
        }

        Assert.Equal([[5L, 4], [3L, 2], [1L]], pages);
        Assert.Equal([5L, 2, 1], (await Store.ListJobsAsync(new JobFilter { Queue = "a", Descending = true })).Select(j => j.Id));
        Assert.Equal([3L, 2], (await Store.ListJobsAsync(new JobFilter { AfterId = 1, BeforeId = 4, Descending = true })).Select(j => j.Id));
        Assert.Equal([2L, 3], (await Store.ListJobsAsync(new JobFilter { AfterId = 1, BeforeId = 4 })).Select(j => j.Id));
        Assert.Equal([2L], (await Store.ListJobsAsync(new JobFilter { Queue = "a", BeforeId = 5, Descending = true, Limit = 1 })).Select(j => j.Id));
    }

    [Fact]
    public async Task ListJobs_CombinesFiltersWithPaging()
    {
        Assert.Equal([1L, 2], (await Store.ListJobsAsync(new JobFilter { Queue = "a", Limit = 2 })).Select(j => j.Id));
        Assert.Equal([5L], (await Store.ListJobsAsync(new JobFilter { Queue = "a", AfterId = 2, Limit = 2 })).Select(j => j.Id));
        Assert.Equal([4L], (await Store.ListJobsAsync(new JobFilter { TaskName = "t1", AfterId = 2 })).Select(j => j.Id));
        Assert.Empty(await Store.ListJobsAsync(new JobFilter { Id = 1, AfterId = 1 }));
        // The counts ignore paging.
        Assert.Equal(
            await Store.ListQueuesAsync(JobFilter.All),
            await Store.ListQueuesAsync(new JobFilter { AfterId = 4, Limit = 1 }));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    public async Task ListJobs_LimitBelowOne_Throws(int limit)
    {
        var error = await Assert.ThrowsAsync<ArgumentOutOfRangeException>(
            async () => await Store.ListJobsAsync(new JobFilter { Limit = limit }));

        Assert.Contains("Limit", error.ParamName, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ListJobs_ReturnsEveryColumn()
    {
        var job = Assert.Single(await Store.ListJobsAsync(new JobFilter { Id = 1 }));

        Assert.Equal(
            new Job { Id = 1, Queue = "a", TaskName = "t1", Lock = "L1", Args = "{}", Status = JobStatus.Doing, WorkerId = 1 },
            job);
    }

    [Fact]
    public async Task ListQueues_CountsPerStatus_ByName()
    {
        var queues = await Store.ListQueuesAsync(JobFilter.All);

        Assert.Equal(
            [new JobCounts("a", 1, 1, 0, 0, 1, 0), new JobCounts("b", 0, 0, 1, 1, 0, 0)],
            queues);
        Assert.Equal(3, queues[0].Total);
        Assert.Equal([new JobCounts("a", 0, 0, 0, 0, 1, 0)], await Store.ListQueuesAsync(new JobFilter { TaskName = "t2", Queue = "a" }));
        Assert.Empty(await Store.ListQueuesAsync(new JobFilter { Queue = "none" }));
    }

    [Fact]
    public async Task ListTasks_CountsPerStatus_ByName()
    {
        Assert.Equal(
            [new JobCounts("t1", 1, 1, 0, 1, 0, 0), new JobCounts("t2", 0, 0, 1, 0, 1, 0)],
            await Store.ListTasksAsync(JobFilter.All));
        Assert.Equal([new JobCounts("t1", 0, 0, 0, 1, 0, 0)], await Store.ListTasksAsync(new JobFilter { WorkerId = 1, Queue = "b", Lock = "L2" }));
    }

    [Fact]
    public async Task ListLocks_LeavesOutJobsWithoutALock()
    {
        Assert.Equal(
            [new JobCounts("L1", 1, 1, 0, 0, 0, 0), new JobCounts("L2", 0, 0, 0, 1, 0, 0)],
            await Store.ListLocksAsync(JobFilter.All));
        Assert.Equal([new JobCounts("L1", 0, 1, 0, 0, 0, 0)], await Store.ListLocksAsync(new JobFilter { Status = JobStatus.Doing }));
        Assert.Empty(await Store.ListLocksAsync(new JobFilter { TaskName = "t2" }));
    }

    [Fact]
    public async Task Listing_OrdersNamesByteWise()
    {
        await Store.DeferJobsAsync([Job(queue: "b"), Job(queue: "B"), Job(queue: "_"), Job(queue: "a1")]);

        Assert.Equal(["B", "_", "a", "a1", "b"], (await Store.ListQueuesAsync(JobFilter.All)).Select(c => c.Name));
    }

    [Fact]
    public async Task GetJobStatus_ReadsTheStatus_OrNullForAMissingJob()
    {
        Assert.Equal(JobStatus.Doing, await Store.GetJobStatusAsync(1));
        Assert.Equal(JobStatus.Cancelled, await Store.GetJobStatusAsync(5));
        Assert.Null(await Store.GetJobStatusAsync(42));
    }

    [Fact]
    public async Task IsSchemaPresent_IsTrue()
    {
        Assert.True(await Store.IsSchemaPresentAsync());
    }
}
