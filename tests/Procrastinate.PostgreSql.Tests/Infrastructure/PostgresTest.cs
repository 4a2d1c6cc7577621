using Procrastinate.PostgreSql;
using Procrastinate.Storage;

namespace Procrastinate.PostgreSql.Tests.Infrastructure;

/// <summary>A test class on its own database; every test starts with empty tables.</summary>
public abstract class PostgresTest : IClassFixture<DatabaseFixture>, IAsyncLifetime
{
    protected PostgresTest(DatabaseFixture database)
    {
        Database = database;
    }

    protected DatabaseFixture Database { get; }

    protected PostgreSqlJobStore Store => Database.Store;

    public virtual Task InitializeAsync() => Database.ResetAsync();

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
