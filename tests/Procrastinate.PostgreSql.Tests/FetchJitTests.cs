using Npgsql;
using Procrastinate.PostgreSql.Tests.Infrastructure;
using Procrastinate.Storage;

namespace Procrastinate.PostgreSql.Tests;

/// <summary>
/// Every fetch runs with PostgreSQL's JIT off (<c>jit_off</c> in queries.sql: on a table with a long history the fetch
/// statements' estimated cost passes <c>jit_above_cost</c>, and compiling took 20–51 ms per fetch), and leaves the
/// connection's own setting as it found it.
/// </summary>
public sealed class FetchJitTests : PostgresTest
{
    public FetchJitTests(DatabaseFixture database)
        : base(database)
    {
    }

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();

        // A trigger of the test's own reads the setting inside each statement that changes a job's status.
        await Database.ExecuteAsync("""
            CREATE TABLE IF NOT EXISTS test_jit_seen (job_id bigint, status text, jit text, backend integer);
            TRUNCATE test_jit_seen;
            CREATE OR REPLACE FUNCTION test_record_jit() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                INSERT INTO test_jit_seen VALUES (NEW.id, NEW.status::text, current_setting('jit'), pg_backend_pid());
                RETURN NEW;
            END $$;
            CREATE OR REPLACE TRIGGER test_record_jit AFTER UPDATE OF status ON procrastinate_jobs
                FOR EACH ROW EXECUTE FUNCTION test_record_jit();
            """);
    }

    [Theory]
    [InlineData("")] // all queues
    [InlineData("main")] // one queue
    [InlineData("main,other")] // several queues
    public async Task FetchAndFinishAndFetch_RunWithJitOff_AndTheConnectionKeepsItsSetting(string queueList)
    {
        string[]? queues = queueList.Length == 0 ? null : queueList.Split(',');

        // JIT on for the session whatever the server's default, and one connection, so the one the store used is the
        // one looked at afterwards.
        var connectionString = new NpgsqlConnectionStringBuilder(Database.ConnectionString) { Options = "-c jit=on", MaxPoolSize = 1 }
            .ConnectionString;
        await using var store = new PostgreSqlJobStore(connectionString);
        await store.DeferJobsAsync([Job(queue: "main"), Job(queue: "other"), Job(queue: "main"), Job(queue: "main")]);
        var worker = await store.RegisterWorkerAsync();

        var first = await store.FetchJobsAsync(new FetchJobsParams(worker, queues, 2));
        var completions = first.Select(job => new JobCompletion(job.Id, JobStatus.Succeeded, false) { WorkerId = worker }).ToList();
        var second = await store.FinishAndFetchJobsAsync(completions, new FetchJobsParams(worker, queues, 1));

        Assert.Equal(2, first.Count);
        Assert.Single(second);
        var seen = new List<(long JobId, string Status, string Jit, int Backend)>();
        await using (var connection = await Store.DataSource.OpenConnectionAsync())
        await using (var command = new NpgsqlCommand("SELECT job_id, status, jit, backend FROM test_jit_seen ORDER BY job_id, status", connection))
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                seen.Add((reader.GetInt64(0), reader.GetString(1), reader.GetString(2), reader.GetInt32(3)));
            }
        }

        // Two taken, both finished, one more taken: each status change saw JIT off.
        Assert.Equal(5, seen.Count);
        Assert.All(seen, change => Assert.Equal("off", change.Jit));
        var backend = Assert.Single(seen.Select(change => change.Backend).Distinct());

        await using var after = await store.DataSource.OpenConnectionAsync();
        await using var show = new NpgsqlCommand("SELECT current_setting('jit'), pg_backend_pid()", after);
        await using var result = await show.ExecuteReaderAsync();
        Assert.True(await result.ReadAsync());
        Assert.Equal(backend, result.GetInt32(1));
        Assert.Equal("on", result.GetString(0));
    }
}
