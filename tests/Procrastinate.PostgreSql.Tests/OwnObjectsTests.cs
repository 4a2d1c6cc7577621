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
        Assert.Equal([IndexName], check.Ours.Select(o => o.Name));
        Assert.True(await Database.ScalarAsync<bool>(SqlQueries.QueueIndexValid));
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
            await store.Schema.ApplyOwnObjectsAsync();
            var after = await store.Schema.CheckSchemaAsync();

            Assert.True(before.IsValid, string.Join('\n', before.Differences));
            Assert.False(before.IsComplete);
            Assert.Equal(4, before.ExitCode);
            Assert.Empty(before.Ours);
            var missing = Assert.Single(before.MissingOurs);
            Assert.Equal(("index", IndexName), (missing.Kind, missing.Name));
            Assert.StartsWith($"CREATE INDEX IF NOT EXISTS {IndexName}", missing.Definition, StringComparison.Ordinal);
            Assert.True(after.IsComplete);
            Assert.Equal(0, after.ExitCode);
            Assert.Equal(oid, await ScalarAsync(connectionString, $"SELECT to_regclass('{IndexName}')::oid::bigint"));
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
        Assert.True(await Database.ScalarAsync<bool>(SqlQueries.QueueIndexValid));
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
        Assert.True(await Database.ScalarAsync<bool>(SqlQueries.QueueIndexValid));
        Assert.Equal(2, await Database.CountJobsAsync());
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
