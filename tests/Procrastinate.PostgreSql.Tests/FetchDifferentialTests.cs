using Npgsql;
using NpgsqlTypes;
using Procrastinate.PostgreSql.Internal;
using Procrastinate.PostgreSql.Tests.Infrastructure;

namespace Procrastinate.PostgreSql.Tests;

/// <summary>
/// Every fetch statement the store sends takes the jobs <c>procrastinate_fetch_job_v2</c> takes, in the same order:
/// over randomized tables (queues, priorities, locks, schedules, statuses, rows another session holds), for all
/// queues, one queue, several queues and every queue named, with and without the queue index. Each run fetches until
/// nothing is left, finishing some jobs between batches (which frees their locks), inside a transaction that is rolled
/// back, so both sides start from the same table.
/// </summary>
public sealed class FetchDifferentialTests : PostgresTest
{
    private static readonly string[] QueueNames = ["q0", "q1", "q2", "q3", "q4", "q5", "q6", "q7"];

    public FetchDifferentialTests(DatabaseFixture database)
        : base(database)
    {
    }

    public static TheoryData<int> Seeds() => [.. Enumerable.Range(1, 12)];

    [Theory]
    [MemberData(nameof(Seeds))]
    public async Task EveryFetchStatement_TakesWhatTheContractsFunctionTakes_InTheSameOrder(int seed)
    {
        var random = new Random(seed);
        var worker = await Store.RegisterWorkerAsync();
        var todo = await FillAsync(random, worker);

        // Rows another session is taking: both sides must skip them (SKIP LOCKED), never wait.
        await using var holder = await Store.DataSource.OpenConnectionAsync();
        await using var holding = await holder.BeginTransactionAsync();
        var held = todo.Where(_ => random.Next(8) == 0).ToArray();
        await using (var hold = new NpgsqlCommand("SELECT id FROM procrastinate_jobs WHERE id = ANY ($1) FOR UPDATE", holder, holding))
        {
            hold.Parameters.Add(new NpgsqlParameter { Value = held });
            await hold.ExecuteNonQueryAsync();
        }

        string[]?[] queueSets =
        [
            null,
            [QueueNames[random.Next(QueueNames.Length)]],
            [.. QueueNames.OrderBy(_ => random.Next()).Take(3)],
            [.. QueueNames],
            ["q1", "missing"],
        ];
        var limits = new[] { 1, 1 + random.Next(4), 10 };
        foreach (var queues in queueSets)
        {
            foreach (var limit in limits)
            {
                var expected = await RunAsync(queues, worker, limit, ContractFetchAsync);
                Assert.True(queues is not null || expected.Count > 0, "the table has jobs to take");
                foreach (var withIndex in new[] { true, false })
                {
                    var statement = StatementFor(queues, limit, withIndex);
                    var actual = await RunAsync(queues, worker, limit, (connection, q, w, l) => StatementFetchAsync(connection, statement, q, w, l));
                    Assert.True(
                        expected.SelectMany(b => b).SequenceEqual(actual.SelectMany(b => b)),
                        $"seed {seed}, queues {Describe(queues)}, limit {limit}, index {withIndex}: expected " +
                        $"{string.Join(",", expected.SelectMany(b => b))} but got {string.Join(",", actual.SelectMany(b => b))}");
                }
            }
        }

        await holding.RollbackAsync();
    }

    [Fact]
    public void StatementsForQueueSets_AreTheMergedFormUpToTheMaximum()
    {
        Assert.Contains("UNION ALL", StatementFor(["a", "b"], 10, withIndex: true), StringComparison.Ordinal);
        Assert.Contains("(SELECT ($1::character varying[])[16])", SqlQueries.FetchJobsOfQueues(SqlQueries.MaxIndexedQueues, 10), StringComparison.Ordinal);
        Assert.Contains("LIMIT 10\n", SqlQueries.FetchJobsOfQueues(3, 10), StringComparison.Ordinal);
        Assert.Contains("LIMIT $3\n", SqlQueries.FetchJobsOfQueues(3, 100), StringComparison.Ordinal);
        Assert.Throws<ArgumentOutOfRangeException>(() => SqlQueries.FetchJobsOfQueues(SqlQueries.MaxIndexedQueues + 1, 10));
    }

    [Fact]
    public async Task QueueSetFetch_ReadsOnlyItsQueuesEntriesOfTheIndex_InTheCachedPlan()
    {
        // Like W5q in small: waiting jobs of 97 other queues first, then finished and waiting jobs of three queues.
        await Database.ExecuteAsync("""
            INSERT INTO procrastinate_jobs (queue_name, task_name, args)
            SELECT 'other_' || (i % 97), 'tests.task', '{}' FROM generate_series(1, 5000) AS i;
            INSERT INTO procrastinate_jobs (queue_name, task_name, args, status, attempts)
            SELECT 'mine_' || (i % 3), 'tests.task', '{}', 'succeeded', 1 FROM generate_series(1, 20000) AS i;
            INSERT INTO procrastinate_jobs (queue_name, task_name, args, priority)
            SELECT 'mine_' || (i % 3), 'tests.task', '{}', i % 2 FROM generate_series(1, 3000) AS i;
            ANALYZE procrastinate_jobs;
            """);
        await using var connection = await Store.DataSource.OpenConnectionAsync();
        await PlainSql.ExecuteAsync(connection, $"PREPARE fetch_three(character varying[], bigint, integer) AS {SqlQueries.FetchJobsOfQueues(3, 10)}");
        try
        {
            // Past the five custom plans after which PostgreSQL may switch a prepared statement to its generic plan.
            for (var i = 0; i < 8; i++)
            {
                await PlainSql.ExecuteAsync(connection, "BEGIN; EXECUTE fetch_three('{mine_0,mine_1,mine_2}', NULL, 10); ROLLBACK");
            }

            foreach (var mode in new[] { "auto", "force_generic_plan", "force_custom_plan" })
            {
                await PlainSql.ExecuteAsync(connection, $"SET plan_cache_mode = {mode}");
                var plan = await PlainSql.ExplainAsync(connection, "EXECUTE fetch_three('{mine_0,mine_1,mine_2}', NULL, 10)");
                Assert.Contains("Merge Append", plan, StringComparison.Ordinal);
                Assert.True(CountOf(plan, $"Scan using {PostgreSqlSchemaManager.QueueIndexName}") == 3, plan);
                Assert.DoesNotContain("Sort Method", plan, StringComparison.Ordinal);
                Assert.DoesNotContain("procrastinate_jobs_priority_idx_v1 on procrastinate_jobs q", plan, StringComparison.Ordinal);
                Assert.DoesNotContain("Rows Removed by Filter: 5000", plan, StringComparison.Ordinal);
            }
        }
        finally
        {
            await PlainSql.ExecuteAsync(connection, "RESET plan_cache_mode; DEALLOCATE fetch_three");
        }
    }

    /// <summary>The statement the store sends for these queues, with or without the queue index.</summary>
    private static string StatementFor(string[]? queues, int limit, bool withIndex) => queues switch
    {
        null => SqlQueries.FetchJobsOfAllQueues(limit),
        { Length: 1 } when withIndex => SqlQueries.FetchJobs(limit, oneQueue: true),
        { Length: > 1 and <= SqlQueries.MaxIndexedQueues } when withIndex => SqlQueries.FetchJobsOfQueues(queues.Length, limit),
        _ => SqlQueries.FetchJobs(limit),
    };

    /// <summary>
    /// 120 jobs over <see cref="QueueNames"/> with random priorities, locks and schedules; some then finished, some
    /// running (at most one per lock, as the contract's unique index requires). Returns the waiting jobs' ids.
    /// </summary>
    private async Task<long[]> FillAsync(Random random, long worker)
    {
        var count = 120;
        var queues = new string[count];
        var priorities = new int[count];
        var locks = new string?[count];
        var scheduled = new DateTime?[count];
        for (var i = 0; i < count; i++)
        {
            queues[i] = QueueNames[random.Next(QueueNames.Length)];
            priorities[i] = random.Next(4) - 1;
            locks[i] = random.Next(3) == 0 ? null : "L" + random.Next(6);
            scheduled[i] = random.Next(8) switch
            {
                0 => DateTime.UtcNow.AddHours(1),
                1 => DateTime.UtcNow.AddHours(-1),
                _ => null,
            };
        }

        await using var connection = await Store.DataSource.OpenConnectionAsync();
        await using (var insert = new NpgsqlCommand(
            """
            INSERT INTO procrastinate_jobs (queue_name, task_name, priority, lock, args, scheduled_at)
            SELECT t.queue_name, 'tests.task', t.priority, t.lock, '{}', t.scheduled_at
            FROM unnest($1::character varying[], $2::integer[], $3::text[], $4::timestamptz[]) WITH ORDINALITY
                 AS t (queue_name, priority, lock, scheduled_at, position)
            ORDER BY t.position
            """,
            connection))
        {
            insert.Parameters.Add(new NpgsqlParameter { Value = queues });
            insert.Parameters.Add(new NpgsqlParameter { Value = priorities });
            insert.Parameters.Add(new NpgsqlParameter { Value = locks, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
            insert.Parameters.Add(new NpgsqlParameter { Value = scheduled, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.TimestampTz });
            await insert.ExecuteNonQueryAsync();
        }

        var ids = new List<long>();
        var statuses = new List<string>();
        var running = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < count; i++)
        {
            var status = random.Next(10) switch
            {
                0 or 1 => "succeeded",
                2 => "failed",
                3 when locks[i] is null || running.Add(locks[i]!) => "doing",
                _ => "todo",
            };
            ids.Add(i + 1);
            statuses.Add(status);
        }

        await using (var update = new NpgsqlCommand(
            """
            UPDATE procrastinate_jobs AS j
            SET status = s.status::procrastinate_job_status, worker_id = CASE WHEN s.status = 'doing' THEN $3 END,
                attempts = CASE WHEN s.status = 'todo' THEN 0 ELSE 1 END
            FROM unnest($1::bigint[], $2::text[]) AS s (id, status)
            WHERE j.id = s.id AND s.status <> 'todo'
            """,
            connection))
        {
            update.Parameters.Add(new NpgsqlParameter { Value = ids.ToArray() });
            update.Parameters.Add(new NpgsqlParameter { Value = statuses.ToArray() });
            update.Parameters.Add(new NpgsqlParameter { Value = worker });
            await update.ExecuteNonQueryAsync();
        }

        await using (var analyze = new NpgsqlCommand("ANALYZE procrastinate_jobs", connection))
        {
            await analyze.ExecuteNonQueryAsync();
        }

        return [.. ids.Where((_, i) => statuses[i] == "todo")];
    }

    /// <summary>
    /// Fetches batches until none comes, in one transaction rolled back at the end; after each batch, the jobs of it
    /// with an even id succeed (their locks free). Batches are in the order the store returns them (priority, then id).
    /// </summary>
    private async Task<List<List<long>>> RunAsync(
        string[]? queues,
        long worker,
        int limit,
        Func<NpgsqlConnection, string[]?, long, int, Task<List<(long Id, int Priority)>>> fetch)
    {
        await using var connection = await Store.DataSource.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        var batches = new List<List<long>>();
        for (var round = 0; round < 200; round++)
        {
            var batch = await fetch(connection, queues, worker, limit);
            if (batch.Count == 0)
            {
                break;
            }

            var ids = batch.OrderByDescending(j => j.Priority).ThenBy(j => j.Id).Select(j => j.Id).ToList();
            batches.Add(ids);
            await using var finish = new NpgsqlCommand("UPDATE procrastinate_jobs SET status = 'succeeded' WHERE id = ANY ($1) AND id % 2 = 0", connection);
            finish.Parameters.Add(new NpgsqlParameter { Value = ids.ToArray() });
            await finish.ExecuteNonQueryAsync();
        }

        await transaction.RollbackAsync();
        return batches;
    }

    /// <summary>The contract's function, called once per job of the batch (it takes one job each time).</summary>
    private static async Task<List<(long Id, int Priority)>> ContractFetchAsync(NpgsqlConnection connection, string[]? queues, long worker, int limit)
    {
        var jobs = new List<(long, int)>();
        for (var i = 0; i < limit; i++)
        {
            await using var command = new NpgsqlCommand("SELECT id, priority FROM procrastinate_fetch_job_v2($1, $2)", connection);
            command.Parameters.Add(new NpgsqlParameter { Value = (object?)queues ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Varchar });
            command.Parameters.Add(new NpgsqlParameter { Value = worker });
            await using var reader = await command.ExecuteReaderAsync();
            if (!await reader.ReadAsync() || await reader.IsDBNullAsync(0))
            {
                break;
            }

            jobs.Add((reader.GetInt64(0), reader.GetInt32(1)));
        }

        return jobs;
    }

    private static async Task<List<(long Id, int Priority)>> StatementFetchAsync(NpgsqlConnection connection, string sql, string[]? queues, long worker, int limit)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)queues ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Varchar });
        command.Parameters.Add(new NpgsqlParameter { Value = worker });
        command.Parameters.Add(new NpgsqlParameter { Value = limit });
        var jobs = new List<(long, int)>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            jobs.Add((reader.GetInt64(0), reader.GetInt32(3)));
        }

        return jobs;
    }

    private static string Describe(string[]? queues) => queues is null ? "all" : "[" + string.Join(",", queues) + "]";

    private static int CountOf(string text, string part)
    {
        var count = 0;
        for (var at = text.IndexOf(part, StringComparison.Ordinal); at >= 0; at = text.IndexOf(part, at + part.Length, StringComparison.Ordinal))
        {
            count++;
        }

        return count;
    }
}
