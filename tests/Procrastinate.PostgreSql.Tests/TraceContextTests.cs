using Npgsql;
using Procrastinate.PostgreSql.Internal;
using Procrastinate.PostgreSql.Tests.Infrastructure;
using Procrastinate.Storage;

namespace Procrastinate.PostgreSql.Tests;

public sealed class TraceContextTests : PostgresTest
{
    private const string ParentA = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
    private const string ParentB = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

    public TraceContextTests(DatabaseFixture database)
        : base(database)
    {
    }

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        await Store.Schema.ApplyTraceContextTableAsync();
    }

    [Fact]
    public async Task TracedBatch_KeepsEachJobsOwnContext_AndFetchReturnsIt()
    {
        await using var store = new PostgreSqlJobStore(new PostgreSqlJobStoreOptions { ConnectionString = Database.ConnectionString, StoreTraceContext = true });
        var ids = await store.DeferJobsAsync(
        [
            Job(args: """{"n": 1}""") with { TraceParent = ParentA, TraceState = "a=1" },
            Job(args: """{"n": 2}"""),
            Job(args: """{"n": 3}""") with { TraceParent = ParentB },
        ]);

        var worker = await store.RegisterWorkerAsync();
        var fetched = (await store.FetchJobsAsync(new FetchJobsParams(worker, null, 10))).ToDictionary(j => j.Args, j => (j.Id, j.TraceParent, j.TraceState));

        Assert.Equal((ids[0], ParentA, "a=1"), fetched["""{"n": 1}"""]);
        Assert.Equal((ids[1], (string?)null, (string?)null), fetched["""{"n": 2}"""]);
        Assert.Equal((ids[2], ParentB, (string?)null), fetched["""{"n": 3}"""]);
    }

    [Fact]
    public async Task TraceContexts_AreIgnoredWhenTheOptionIsOff_AndDeletedWithTheirJob()
    {
        var untraced = await Store.DeferJobsAsync([Job() with { TraceParent = ParentA }]);
        Assert.Equal(0, await Database.ScalarAsync<long>("SELECT count(*) FROM procrastinate_dotnet_trace_contexts"));

        await using var store = new PostgreSqlJobStore(new PostgreSqlJobStoreOptions { ConnectionString = Database.ConnectionString, StoreTraceContext = true });
        var traced = await store.DeferJobsAsync([Job(queue: "other") with { TraceParent = ParentB }]);
        Assert.Equal(1, await Database.ScalarAsync<long>("SELECT count(*) FROM procrastinate_dotnet_trace_contexts"));
        Assert.Null(Assert.Single(await Store.FetchJobsAsync(new FetchJobsParams(await Store.RegisterWorkerAsync(), ["default"]))).TraceParent);

        // Python Procrastinate deletes jobs with plain SQL (or the worker's delete_job): the context goes with them.
        await Database.ExecuteAsync("DELETE FROM procrastinate_jobs WHERE id = $1", traced[0]);

        Assert.Equal(0, await Database.ScalarAsync<long>("SELECT count(*) FROM procrastinate_dotnet_trace_contexts"));
        Assert.Single(untraced);
    }

    [Fact]
    public async Task EveryTraceContextQuery_PreparesOnTheServer()
    {
        await using var connection = await Store.DataSource.OpenConnectionAsync();
        Assert.Equal(2, SqlQueries.TraceContextStatements.Count);
        foreach (var (name, sql) in SqlQueries.TraceContextStatements)
        {
            await using var prepare = new NpgsqlCommand($"PREPARE check_{name} AS {sql}", connection);
            await prepare.ExecuteNonQueryAsync();
            await using var deallocate = new NpgsqlCommand($"DEALLOCATE check_{name}", connection);
            await deallocate.ExecuteNonQueryAsync();
        }
    }

    [Fact]
    public async Task TraceContextTable_LeavesTheContractCheckValid()
    {
        var result = await Store.Schema.CheckSchemaAsync();

        Assert.True(result.IsValid, string.Join("; ", result.Differences));
    }
}
