using Procrastinate.Storage;

namespace Procrastinate.StoreContract;

/// <summary>
/// The base of every test class that works on one store directly: the contract suite (<see cref="StoreContract"/>)
/// and a store's own tests. Holds the helpers they share, so each exists once.
/// </summary>
/// <typeparam name="TStore">The store type the tests see.</typeparam>
public abstract class JobStoreTest<TStore> : IAsyncLifetime
    where TStore : IJobStore
{
    /// <summary>The store under test: fresh and empty at the start of each test.</summary>
    protected abstract TStore Store { get; }

    /// <summary>Empties the store before each test.</summary>
    public abstract Task InitializeAsync();

    public virtual Task DisposeAsync() => Task.CompletedTask;

    protected static JobToDefer Job(
        string task = "tests.task",
        string queue = "default",
        string args = "{}",
        int priority = 0,
        string? @lock = null,
        string? queueingLock = null,
        DateTimeOffset? scheduledAt = null) =>
        new(task, queue, args, priority, @lock, queueingLock, scheduledAt);

    protected async Task<long> DeferAsync(JobToDefer job) => (await Store.DeferJobsAsync([job]))[0];

    protected async Task<Job> GetJobAsync(long id) => Assert.Single(await Store.ListJobsAsync(new JobFilter { Id = id }));

    /// <summary>Defers a job and takes it, so it is running on a fresh worker; returns the job and the worker.</summary>
    protected async Task<(long JobId, long WorkerId)> StartJobAsync(JobToDefer? job = null)
    {
        var id = await DeferAsync(job ?? Job());
        var worker = await Store.RegisterWorkerAsync();
        var fetched = Assert.Single(await Store.FetchJobsAsync(new FetchJobsParams(worker, null)));
        Assert.Equal(id, fetched.Id);
        return (id, worker);
    }
}
