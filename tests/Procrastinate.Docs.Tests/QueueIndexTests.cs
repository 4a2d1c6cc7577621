using Procrastinate.PostgreSql;
using Procrastinate.Storage;

namespace Procrastinate.Docs.Tests;

/// <summary>The queue index code of docs/priorities-and-queues.md, run against the throwaway PostgreSQL server.</summary>
public class QueueIndexTests : PostgresDatabase
{
    [Fact]
    public async Task QueueIndex_IsAppliedOnce_AndOneQueueWorkersFetchThroughIt()
    {
        var connectionString = ConnectionString;
        await using (var setup = new PostgreSqlJobStore(connectionString))
        {
            await setup.ApplySchemaAsync();
        }

        await using var store = new PostgreSqlJobStore(connectionString);
        await store.Schema.ApplyQueueIndexAsync(); // does nothing if the index is there

        await store.Schema.ApplyQueueIndexAsync();
        Assert.True((await store.Schema.CheckSchemaAsync()).IsValid);
        var ids = await store.DeferJobsAsync([new JobToDefer("docs.noop", "other", "{}"), new JobToDefer("docs.noop", "emails", "{}")]);
        var worker = await store.RegisterWorkerAsync();
        Assert.Equal([ids[1]], (await store.FetchJobsAsync(new FetchJobsParams(worker, ["emails"]))).Select(j => j.Id));
    }
}
