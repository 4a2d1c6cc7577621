using Npgsql;
using Procrastinate.PostgreSql.Internal;
using Procrastinate.PostgreSql.Tests.Infrastructure;
using Procrastinate.Storage;

namespace Procrastinate.PostgreSql.Tests;

/// <summary>
/// The queue index extension: applying it, the schema check beside it, the one-queue fetch statement it enables
/// (same choice of jobs as <c>fetch_jobs</c>, and a plan that reads the index), and dropping it.
/// </summary>
public sealed class QueueIndexTests : PostgresTest
{
    private const string IndexName = PostgreSqlSchemaManager.QueueIndexName;

    public QueueIndexTests(DatabaseFixture database)
        : base(database)
    {
    }

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        await Database.ExecuteAsync($"DROP INDEX IF EXISTS {IndexName}");
    }

    [Fact]
    public async Task ApplyQueueIndex_IsIdempotent_AndLeavesTheContractCheckValid()
    {
        await Store.Schema.ApplyQueueIndexAsync();
        await Store.Schema.ApplyQueueIndexAsync();

        Assert.Equal(
            $"CREATE INDEX {IndexName} ON public.procrastinate_jobs USING btree (queue_name, priority DESC, id) WHERE (status = 'todo'::procrastinate_job_status)",
            await Database.ScalarAsync<string>("SELECT pg_get_indexdef(to_regclass($1))", IndexName));
        Assert.True(await Database.ScalarAsync<bool>(SqlQueries.OwnIndexValid, IndexName));
        var check = await Store.Schema.CheckSchemaAsync();
        Assert.True(check.IsValid, string.Join("; ", check.Differences));
    }

    [Fact]
    public async Task ApplyQueueIndex_RebuildsAnInvalidLeftover()
    {
        await Store.Schema.ApplyQueueIndexAsync();

        // What an interrupted CREATE INDEX CONCURRENTLY leaves behind (the test server's user is a superuser).
        await Database.ExecuteAsync("UPDATE pg_index SET indisvalid = false WHERE indexrelid = to_regclass($1)", IndexName);
        Assert.False(await Database.ScalarAsync<bool>(SqlQueries.OwnIndexValid, IndexName));

        await Store.Schema.ApplyQueueIndexAsync();

        Assert.True(await Database.ScalarAsync<bool>(SqlQueries.OwnIndexValid, IndexName));
    }

    [Fact]
    public async Task ApplyQueueIndex_WithoutTheSchema_SaysHowToApplyIt()
    {
        await using var store = new PostgreSqlJobStore(Database.ConnectionString, "no_such_schema");

        var e = await Assert.ThrowsAsync<Storage.SchemaUnusableException>(() => store.Schema.ApplyQueueIndexAsync());

        Assert.Contains("schema is missing", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void GetQueueIndexSql_IsOneConcurrentStatement()
    {
        var sql = PostgreSqlSchemaManager.GetQueueIndexSql();

        Assert.Contains($"CREATE INDEX CONCURRENTLY IF NOT EXISTS {IndexName}", sql, StringComparison.Ordinal);
        Assert.Single(SqlQueries.Parse("-- name: x --\n" + sql).Values.Single().Split(';'));
    }

    [Fact]
    public void FetchJobsOneQueue_IsFetchJobs_OrderedByQueueFirst()
    {
        var sql = SqlQueries.FetchJobs(100, oneQueue: true);

        Assert.Contains("AND candidate.queue_name = ANY ($1::character varying[])\n", sql, StringComparison.Ordinal);
        Assert.Contains("ORDER BY candidate.queue_name, candidate.priority DESC, candidate.id ASC\n", sql, StringComparison.Ordinal);
        Assert.DoesNotContain("IS NULL OR candidate.queue_name", sql, StringComparison.Ordinal);
    }

    [Fact]
    public async Task FetchJobsOneQueue_TakesWhatFetchJobsTakes_WhateverTheLocksPrioritiesAndSchedules()
    {
        await Store.Schema.ApplyQueueIndexAsync();
        var random = new Random(20240611);
        string[] queues = ["a", "b", "c"];
        for (var round = 0; round < 12; round++)
        {
            await Database.ResetAsync();
            var jobs = Enumerable.Range(0, 40).Select(_ => Job(
                queue: queues[random.Next(queues.Length)],
                priority: random.Next(3),
                @lock: random.Next(3) == 0 ? null : "L" + random.Next(4),
                scheduledAt: random.Next(6) == 0 ? DateTimeOffset.UtcNow.AddHours(random.Next(2) == 0 ? 1 : -1) : null)).ToList();
            await Store.DeferJobsAsync(jobs);
            var worker = await Store.RegisterWorkerAsync();

            // Some running jobs (holding their locks), taken from any queue.
            await Store.FetchJobsAsync(new FetchJobsParams(worker, null, random.Next(1, 4)));

            foreach (var queue in queues)
            {
                foreach (var limit in new[] { 1, 3, 40 })
                {
                    var expected = await TakeAndRollBackAsync(SqlQueries.FetchJobs(limit), queue, worker, limit);
                    var actual = await TakeAndRollBackAsync(SqlQueries.FetchJobs(limit, oneQueue: true), queue, worker, limit);
                    Assert.Equal(expected, actual);
                }
            }
        }
    }

    [Fact]
    public async Task OneQueueFetch_ReadsTheIndex_InTheCachedPlanOfThePreparedStatement()
    {
        await Store.Schema.ApplyQueueIndexAsync();
        await FillLikeW5Async();

        await using var connection = await Store.DataSource.OpenConnectionAsync();
        await PlainSql.ExecuteAsync(connection, $"PREPARE fetch_one_queue(character varying[], bigint, integer) AS {SqlQueries.FetchJobs(10, oneQueue: true)}");
        try
        {
            // Past the five custom plans after which PostgreSQL may switch a prepared statement to its generic plan.
            for (var i = 0; i < 8; i++)
            {
                await PlainSql.ExecuteAsync(connection, "BEGIN; EXECUTE fetch_one_queue('{default}', NULL, 10); ROLLBACK");
            }

            foreach (var mode in new[] { "auto", "force_custom_plan" })
            {
                await PlainSql.ExecuteAsync(connection, $"SET plan_cache_mode = {mode}");
                var plan = await PlainSql.ExplainAsync(connection, "EXECUTE fetch_one_queue('{default}', NULL, 10)");
                Assert.Contains($"Index Scan using {IndexName}", plan, StringComparison.Ordinal);
                Assert.DoesNotContain("Sort", plan, StringComparison.Ordinal);
            }
        }
        finally
        {
            await PlainSql.ExecuteAsync(connection, "RESET plan_cache_mode; DEALLOCATE fetch_one_queue");
        }
    }

    [Fact]
    public async Task WithoutTheIndex_TheContractStatementStillWalksThePriorityIndex()
    {
        await FillLikeW5Async();

        await using var connection = await Store.DataSource.OpenConnectionAsync();
        var plan = await PlainSql.ExplainAsync(connection, SqlQueries.FetchJobs(100).Replace("$1", "'{default}'", StringComparison.Ordinal)
            .Replace("$2", "NULL::bigint", StringComparison.Ordinal).Replace("$3", "10", StringComparison.Ordinal));

        // What the extension is for: the other queues' waiting jobs are read and thrown away on every fetch.
        Assert.Contains("Index Scan using procrastinate_jobs_priority_idx_v1", plan, StringComparison.Ordinal);
        Assert.Contains("Rows Removed by Filter: 2000", plan, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Store_FetchesOneQueueThroughTheIndex_AndKeepsFetchingOnceItIsDropped()
    {
        await using var store = new PostgreSqlJobStore(Database.ConnectionString);
        await store.Schema.ApplyQueueIndexAsync();
        await FillLikeW5Async();
        var ids = await store.DeferJobsAsync([Job(priority: 1), Job(priority: 5), Job(queue: "other_1", priority: 9)]);
        var worker = await store.RegisterWorkerAsync();
        var scansBefore = await IndexScansAsync();

        var first = await store.FetchJobsAsync(new FetchJobsParams(worker, ["default"], 2));

        Assert.Equal([ids[1], ids[0]], first.Select(j => j.Id));
        await Eventually.TrueAsync(async () => await IndexScansAsync() > scansBefore, "the fetch scans the queue index", TimeSpan.FromSeconds(30));

        await Database.ExecuteAsync($"DROP INDEX {IndexName}");
        var oldest = await Database.ScalarAsync<long>("SELECT min(id) FROM procrastinate_jobs WHERE queue_name = 'default' AND status = 'todo'");
        var next = await store.FetchJobsAsync(new FetchJobsParams(worker, ["default"], 1));

        Assert.Equal(oldest, Assert.Single(next).Id);
    }

    /// <summary>W5 in small: waiting jobs of other queues first, then finished and waiting jobs of <c>default</c>.</summary>
    private async Task FillLikeW5Async()
    {
        await Database.ExecuteAsync("""
            INSERT INTO procrastinate_jobs (queue_name, task_name, args)
            SELECT 'other_' || (i % 20), 'tests.task', '{}' FROM generate_series(1, 2000) AS i;
            INSERT INTO procrastinate_jobs (queue_name, task_name, args, status, attempts)
            SELECT 'default', 'tests.task', '{}', 'succeeded', 1 FROM generate_series(1, 20000) AS i;
            INSERT INTO procrastinate_jobs (queue_name, task_name, args)
            SELECT 'default', 'tests.task', '{}' FROM generate_series(1, 2000) AS i;
            ANALYZE procrastinate_jobs;
            """);
    }

    private async Task<long> IndexScansAsync() =>
        await Database.ScalarAsync<long>("SELECT coalesce(sum(idx_scan), 0)::bigint FROM pg_stat_user_indexes WHERE indexrelname = $1", IndexName);

    private async Task<List<long>> TakeAndRollBackAsync(string sql, string queue, long worker, int limit)
    {
        await using var connection = await Store.DataSource.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        command.Parameters.Add(new NpgsqlParameter { Value = new[] { queue }, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Array | NpgsqlTypes.NpgsqlDbType.Varchar });
        command.Parameters.Add(new NpgsqlParameter { Value = worker });
        command.Parameters.Add(new NpgsqlParameter { Value = limit });
        var ids = new List<long>();
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                ids.Add(reader.GetInt64(0));
            }
        }

        await transaction.RollbackAsync();
        ids.Sort();
        return ids;
    }
}
