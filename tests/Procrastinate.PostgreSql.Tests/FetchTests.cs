using Npgsql;
using Procrastinate.PostgreSql.Internal;
using Procrastinate.PostgreSql.Tests.Infrastructure;
using Procrastinate.Storage;

namespace Procrastinate.PostgreSql.Tests;

/// <summary>
/// Batched fetching against the contract's own one-job function; the rest of fetching is in the store contract suite.
/// </summary>
public sealed class FetchTests : PostgresTest
{
    public FetchTests(DatabaseFixture database)
        : base(database)
    {
    }

    [Theory]
    [InlineData(100)] // the limit as a parameter
    [InlineData(4)] // the limit written into the statement
    public async Task FetchBatch_TakesTheSameJobsAsOneAtATimeFetches(int limit)
    {
        var jobs = Enumerable.Range(0, 30).Select(i => Job(
            queue: i % 5 == 0 ? "other" : "main",
            @lock: i % 3 == 0 ? null : "lock-" + (i % 4),
            priority: i % 3,
            scheduledAt: i % 7 == 0 ? DateTimeOffset.UtcNow.AddHours(1) : null)).ToList();
        await Store.DeferJobsAsync(jobs);
        var worker = await Store.RegisterWorkerAsync();

        var batch = (await Store.FetchJobsAsync(new FetchJobsParams(worker, ["main"], limit))).Select(j => j.Id).ToList();

        await Database.ResetAsync();
        await Store.DeferJobsAsync(jobs);
        worker = await Store.RegisterWorkerAsync();
        var oneByOne = new List<long>();
        await using (var connection = await Store.DataSource.OpenConnectionAsync())
        {
            while (true)
            {
                await using var command = new NpgsqlCommand("SELECT id FROM procrastinate_fetch_job_v2(ARRAY['main']::varchar[], $1)", connection);
                command.Parameters.Add(new NpgsqlParameter { Value = worker });
                if (await command.ExecuteScalarAsync() is not long id)
                {
                    break;
                }

                oneByOne.Add(id);
            }
        }

        Assert.NotEmpty(batch);
        Assert.Equal(oneByOne.Take(limit), batch);
    }

    [Fact]
    public async Task FetchStatement_ForASmallLimit_HasAGenericPlanThatWalksThePriorityIndex()
    {
        // A prepared statement runs on its generic plan once that plan looks no worse than the custom ones; with
        // the limit written in, it walks the index in fetch order instead of sorting every waiting job.
        await Store.DeferJobsAsync(Enumerable.Range(0, 2_000).Select(_ => Job()).ToList());
        await Database.ExecuteAsync("ANALYZE procrastinate_jobs");
        await using var connection = await Store.DataSource.OpenConnectionAsync();
        await using (var prepare = new NpgsqlCommand(
            "SET plan_cache_mode = force_generic_plan; " +
            $"PREPARE fetch_small (character varying[], bigint, integer) AS {SqlQueries.FetchJobs(10)}", connection))
        {
            await prepare.ExecuteNonQueryAsync();
        }

        var plan = new List<string>();
        await using (var explain = new NpgsqlCommand("EXPLAIN EXECUTE fetch_small(NULL, 1, 10)", connection))
        await using (var reader = await explain.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                plan.Add(reader.GetString(0));
            }
        }

        await using (var reset = new NpgsqlCommand("RESET plan_cache_mode; DEALLOCATE fetch_small", connection))
        {
            await reset.ExecuteNonQueryAsync();
        }

        var text = string.Join('\n', plan);
        Assert.Contains("Index Scan using procrastinate_jobs_priority_idx_v1", text, StringComparison.Ordinal);
        Assert.DoesNotContain("Sort", text, StringComparison.Ordinal);
        Assert.Contains("LIMIT 10", SqlQueries.FetchJobs(10), StringComparison.Ordinal);
        Assert.Contains("LIMIT $3", SqlQueries.FetchJobs(100), StringComparison.Ordinal);
    }

    [Fact]
    public async Task FetchOfAllQueues_KeepsAGenericPlan_WhenTheTableHoldsManyQueues()
    {
        // With many queues in the statistics, the contract's form (queue condition with its NULL case) is estimated to
        // match few waiting jobs in a generic plan, so PostgreSQL planned it anew at each call (W5a in
        // benchmarks/README.md). The all-queues form has no such condition and runs on its generic plan after the
        // five custom ones PostgreSQL always tries first.
        await Database.ExecuteAsync("""
            INSERT INTO procrastinate_jobs (queue_name, task_name, args, status, attempts)
            SELECT 'q_' || (i % 100), 'finished', '{}', 'succeeded', 1 FROM generate_series(1, 20000) AS i;
            INSERT INTO procrastinate_jobs (queue_name, task_name, args)
            SELECT 'q_' || (i % 100), 'waiting', '{}' FROM generate_series(1, 2000) AS i;
            ANALYZE procrastinate_jobs;
            """);

        Assert.Equal((0, 10), await PlansAsync(SqlQueries.FetchJobs(10)));
        var (generic, custom) = await PlansAsync(SqlQueries.FetchJobsOfAllQueues(10));
        Assert.Equal(5, custom);
        Assert.Equal(5, generic);
        Assert.DoesNotContain("candidate.queue_name", SqlQueries.FetchJobsOfAllQueues(10), StringComparison.Ordinal);
        Assert.Contains("LIMIT $3", SqlQueries.FetchJobsOfAllQueues(100), StringComparison.Ordinal);
    }

    /// <summary>Runs <paramref name="statement"/> prepared, ten times for all queues (rolled back): its generic and custom plans.</summary>
    private async Task<(long Generic, long Custom)> PlansAsync(string statement)
    {
        await using var connection = await Store.DataSource.OpenConnectionAsync();
        // Pooled connections keep their settings (another test forces generic plans): the server's own choice here.
        await PlainSql.ExecuteAsync(connection, $"SET plan_cache_mode = auto; PREPARE fetch_all (character varying[], bigint, integer) AS {statement}");
        try
        {
            for (var i = 0; i < 10; i++)
            {
                await PlainSql.ExecuteAsync(connection, "BEGIN; EXECUTE fetch_all(NULL, NULL, 10); ROLLBACK");
            }

            await using var plans = new NpgsqlCommand("SELECT generic_plans, custom_plans FROM pg_prepared_statements WHERE name = 'fetch_all'", connection);
            await using var reader = await plans.ExecuteReaderAsync();
            Assert.True(await reader.ReadAsync());
            return (reader.GetInt64(0), reader.GetInt64(1));
        }
        finally
        {
            await PlainSql.ExecuteAsync(connection, "DEALLOCATE fetch_all");
        }
    }
}
