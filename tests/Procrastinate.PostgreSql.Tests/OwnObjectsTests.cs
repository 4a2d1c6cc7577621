using Npgsql;
using Procrastinate.PostgreSql.Internal;
using Procrastinate.PostgreSql.Tests.Infrastructure;

namespace Procrastinate.PostgreSql.Tests;

/// <summary>
/// Fast by default: <see cref="PostgreSqlSchemaManager.ApplySchemaAsync"/> creates our own objects beside the contract,
/// the schema check lists them apart and names those missing from a schema Python applied, and
/// <see cref="PostgreSqlSchemaManager.ApplyOwnObjectsAsync"/> adds them without blocking writers.
/// </summary>
public sealed class OwnObjectsTests : PostgresTest
{
    private const string IndexName = PostgreSqlSchemaManager.QueueIndexName;
    private const string WorkerIndexName = PostgreSqlSchemaManager.WorkerIndexName;

    public OwnObjectsTests(DatabaseFixture database)
        : base(database)
    {
    }

    [Fact]
    public async Task AppliedSchema_HoldsTheQueueIndex_AndTheCheckIsComplete()
    {
        var check = await Store.Schema.CheckSchemaAsync();

        Assert.True(check.IsComplete, string.Join('\n', check.Differences.Select(d => d.ToString()).Concat(check.MissingOurs.Select(o => o.ToString()))));
        Assert.Equal(0, check.ExitCode);
        Assert.Equal([IndexName, WorkerIndexName], check.Ours.Select(o => o.Name).Order(StringComparer.Ordinal));
        Assert.True(await Database.ScalarAsync<bool>(SqlQueries.OwnIndexValid, IndexName));
        Assert.True(await Database.ScalarAsync<bool>(SqlQueries.OwnIndexValid, WorkerIndexName));
    }

    [Fact]
    public async Task WorkerRemoval_FindsTheWorkersJobsThroughTheWorkerIndex_NotByReadingTheTable()
    {
        // Finished jobs keep their worker_id, so removing a worker (unregister, stalled-worker pruning) makes the
        // contract's foreign key (ON DELETE SET NULL) look its jobs up with this statement, planned once and reused.
        await Database.ExecuteAsync(
            "INSERT INTO procrastinate_jobs (queue_name, task_name, args, status) " +
            "SELECT 'default', 't', '{}', 'succeeded' FROM generate_series(1, 20000)");
        await Database.ExecuteAsync("ANALYZE procrastinate_jobs");

        var withIndex = await ForeignKeyPlanAsync();
        await Database.ExecuteAsync($"DROP INDEX {WorkerIndexName}");
        string withoutIndex;
        try
        {
            withoutIndex = await ForeignKeyPlanAsync();
        }
        finally
        {
            // The other tests of this class share the database.
            await Store.Schema.ApplyOwnObjectsAsync();
        }

        Assert.Contains($"Index Scan using {WorkerIndexName}", withIndex, StringComparison.Ordinal);
        Assert.Contains("Seq Scan on procrastinate_jobs", withoutIndex, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SchemaPythonApplied_IsValidButIncomplete_UntilApplyOwnObjects()
    {
        var connectionString = await Database.Server.CreateDatabaseAsync();
        try
        {
            // What Python's `procrastinate schema --apply` leaves: the contract's objects only.
            await ExecuteAsync(connectionString, PostgreSqlSchemaManager.GetSchemaSql());
            await using var store = new PostgreSqlJobStore(connectionString);

            var before = await store.Schema.CheckSchemaAsync();
            await store.Schema.ApplyOwnObjectsAsync();
            var oid = await ScalarAsync(connectionString, $"SELECT to_regclass('{IndexName}')::oid::bigint");
            var workerOid = await ScalarAsync(connectionString, $"SELECT to_regclass('{WorkerIndexName}')::oid::bigint");
            await store.Schema.ApplyOwnObjectsAsync();
            var after = await store.Schema.CheckSchemaAsync();

            Assert.True(before.IsValid, string.Join('\n', before.Differences));
            Assert.False(before.IsComplete);
            Assert.Equal(4, before.ExitCode);
            Assert.Empty(before.Ours);
            Assert.Equal([("index", IndexName), ("index", WorkerIndexName)], before.MissingOurs.Select(o => (o.Kind, o.Name)));
            Assert.All(before.MissingOurs, o => Assert.StartsWith($"CREATE INDEX IF NOT EXISTS {o.Name}", o.Definition, StringComparison.Ordinal));
            Assert.True(after.IsComplete);
            Assert.Equal(0, after.ExitCode);
            Assert.Equal(oid, await ScalarAsync(connectionString, $"SELECT to_regclass('{IndexName}')::oid::bigint"));
            Assert.Equal(workerOid, await ScalarAsync(connectionString, $"SELECT to_regclass('{WorkerIndexName}')::oid::bigint"));
        }
        finally
        {
            NpgsqlConnection.ClearAllPools();
            await Database.Server.DropDatabaseAsync(new NpgsqlConnectionStringBuilder(connectionString).Database!);
        }
    }

    [Fact]
    public async Task InvalidLeftover_IsReportedMissing_AndRebuiltByApplyOwnObjects()
    {
        // What an interrupted CREATE INDEX CONCURRENTLY leaves behind (the test server's user is a superuser).
        await Database.ExecuteAsync("UPDATE pg_index SET indisvalid = false WHERE indexrelid = to_regclass($1)", IndexName);

        var invalid = await Store.Schema.CheckSchemaAsync();
        await Store.Schema.ApplyOwnObjectsAsync();
        var rebuilt = await Store.Schema.CheckSchemaAsync();

        Assert.Equal(4, invalid.ExitCode);
        Assert.Equal(IndexName, Assert.Single(invalid.MissingOurs).Name);
        Assert.True(rebuilt.IsComplete);
        Assert.True(await Database.ScalarAsync<bool>(SqlQueries.OwnIndexValid, IndexName));
    }

    [Fact]
    public async Task ApplyOwnObjects_BuildsWhileWritersGoOn()
    {
        await Database.ExecuteAsync($"DROP INDEX {IndexName}");

        // A writer's open transaction: a concurrent build waits for it to end; a plain CREATE INDEX would also queue
        // every later insert behind its lock until then.
        await using var open = await Store.DataSource.OpenConnectionAsync();
        await using var transaction = await open.BeginTransactionAsync();
        await using (var insert = new NpgsqlCommand("INSERT INTO procrastinate_jobs (queue_name, task_name, args) VALUES ('q', 't', '{}')", open, transaction))
        {
            await insert.ExecuteNonQueryAsync();
        }

        var build = Store.Schema.ApplyOwnObjectsAsync();
        await Eventually.TrueAsync(
            async () => await Database.ScalarAsync<long>(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() " +
                "AND query LIKE '%CREATE INDEX CONCURRENTLY%' AND wait_event_type = 'Lock'") > 0,
            "the build waits for the open transaction",
            TimeSpan.FromSeconds(30));

        var deferred = Store.DeferJobsAsync([Job(queue: "during_build")]).AsTask();
        var finished = await Task.WhenAny(deferred, Task.Delay(TimeSpan.FromSeconds(30)));

        Assert.Same(deferred, finished);
        Assert.False(build.IsCompleted);
        await transaction.CommitAsync();
        await build.WaitAsync(TimeSpan.FromSeconds(60));
        Assert.True(await Database.ScalarAsync<bool>(SqlQueries.OwnIndexValid, IndexName));
        Assert.Equal(2, await Database.CountJobsAsync());
    }

    /// <summary>The generic plan of the statement the foreign key's ON DELETE SET NULL runs for a removed worker.</summary>
    private async Task<string> ForeignKeyPlanAsync()
    {
        // A connection of its own (not the pool's, whose prepared statements must stay as they are).
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(Database.ConnectionString) { Pooling = false }.ConnectionString);
        await connection.OpenAsync();
        foreach (var sql in new[]
                 {
                     "SET plan_cache_mode = force_generic_plan",
                     "PREPARE remove_worker(bigint) AS UPDATE ONLY procrastinate_jobs SET worker_id = NULL WHERE $1 = worker_id",
                 })
        {
            await using var command = new NpgsqlCommand(sql, connection);
            await command.ExecuteNonQueryAsync();
        }

        var plan = new System.Text.StringBuilder();
        await using (var explain = new NpgsqlCommand("EXPLAIN EXECUTE remove_worker(1)", connection))
        await using (var reader = await explain.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                plan.AppendLine(reader.GetString(0));
            }
        }

        return plan.ToString();
    }

    private static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<object?> ScalarAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return await command.ExecuteScalarAsync();
    }
}
