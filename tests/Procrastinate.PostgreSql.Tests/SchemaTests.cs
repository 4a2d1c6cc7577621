using Npgsql;
using Procrastinate.PostgreSql.Internal;
using Procrastinate.PostgreSql.Tests.Infrastructure;

namespace Procrastinate.PostgreSql.Tests;

public sealed class SchemaTests : PostgresTest
{
    public SchemaTests(DatabaseFixture database)
        : base(database)
    {
    }

    [Fact]
    public async Task AppliedSchema_OnAFreshDatabase_HasExactlyTheContractsFacts()
    {
        var connectionString = await Database.Server.CreateDatabaseAsync();
        await using (var store = new PostgreSqlJobStore(connectionString))
        {
            await store.ApplySchemaAsync();
        }

        // The contract's own query (the repository's copy of catalog.sql), run as psql would, outside the library.
        var facts = new List<string>();
        await using (var connection = new NpgsqlConnection(connectionString))
        {
            await connection.OpenAsync();
            foreach (var statement in PostgreSqlSchemaManager.CatalogStatements())
            {
                await using var command = new NpgsqlCommand(statement, connection);
                await using var reader = await command.ExecuteReaderAsync();
                while (await reader.ReadAsync())
                {
                    facts.Add(reader.GetString(0));
                }
            }
        }

        await Database.Server.DropDatabaseAsync(new NpgsqlConnectionStringBuilder(connectionString).Database!);
        var contract = File.ReadAllLines(RepositoryFile("procrastinate-3.9-catalog.txt")).Where(l => l.Length > 0);
        var ours = facts.Where(f => CatalogFact.Parse(f).IsOurs).ToList();
        Assert.Equal(contract.Order(StringComparer.Ordinal), facts.Except(ours).Order(StringComparer.Ordinal));
        Assert.Equal(74, facts.Count - ours.Count);

        // Beside the contract, our own objects only: the queue index that fast fetching needs, and the worker index that
        // removing a worker needs.
        Assert.Equal(
            [
                $"index CREATE INDEX {PostgreSqlSchemaManager.QueueIndexName} ON procrastinate_jobs USING btree (queue_name, priority DESC, id) WHERE (status = 'todo'::procrastinate_job_status)",
                $"index CREATE INDEX {PostgreSqlSchemaManager.WorkerIndexName} ON procrastinate_jobs USING btree (worker_id) WHERE (worker_id IS NOT NULL)",
            ],
            ours.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void RepositoryContract_IsTheSharedContract_AndIsWhatTheLibraryEmbeds()
    {
        // The team's shared contract folder sits next to the main checkout (PROCRASTINATE_CONTRACT_DIR overrides);
        // where it is absent (a clone elsewhere) only the embedded copy is compared with the repository's.
        var shared = Environment.GetEnvironmentVariable("PROCRASTINATE_CONTRACT_DIR")
                     ?? Path.Combine(Path.GetDirectoryName(RepositoryRoot())!, "shared", "contract");
        if (Directory.Exists(shared))
        {
            foreach (var file in new[] { "procrastinate-3.9-catalog.txt", "catalog.sql" })
            {
                Assert.Equal(File.ReadAllText(Path.Combine(shared, file)), File.ReadAllText(RepositoryFile(file)));
            }
        }

        Assert.Equal(
            File.ReadAllLines(RepositoryFile("procrastinate-3.9-catalog.txt")).Where(l => l.Length > 0),
            PostgreSqlSchemaManager.ContractFacts().Select(f => f.ToString()));
        Assert.Equal(7, PostgreSqlSchemaManager.CatalogStatements().Count);
    }

    [Fact]
    public void Contract_NamesEveryObjectOfSchemaMd()
    {
        var catalog = PostgreSqlSchemaManager.ContractFacts().ToDictionary(e => e.Key, e => e.Definition);

        Assert.Equal(
            "procrastinate_job_status = todo,doing,succeeded,failed,cancelled,aborting,aborted",
            catalog["enum procrastinate_job_status"]);
        Assert.Equal(
            "procrastinate_job_event_type = deferred,started,deferred_for_retry,failed,succeeded,cancelled,abort_requested,aborted,scheduled,retried",
            catalog["enum procrastinate_job_event_type"]);
        Assert.EndsWith(
            "queue_name character varying, task_name character varying, priority integer, lock text, queueing_lock text, args jsonb, scheduled_at timestamp with time zone",
            catalog["composite procrastinate_job_to_defer_v1"], StringComparison.Ordinal);
        Assert.Equal("procrastinate_jobs.queue_name character varying(128) not null", catalog["column procrastinate_jobs.queue_name"]);
        Assert.EndsWith("FOREIGN KEY (worker_id) REFERENCES procrastinate_workers(id) ON DELETE SET NULL", catalog["constraint procrastinate_jobs.procrastinate_jobs_worker_id_fkey"], StringComparison.Ordinal);
        Assert.EndsWith("(abort_requested = true))))", catalog["constraint procrastinate_jobs.check_not_todo_abort_requested"], StringComparison.Ordinal);
        Assert.EndsWith("UNIQUE (task_name, periodic_id, defer_timestamp)", catalog["constraint procrastinate_periodic_defers.procrastinate_periodic_defers_unique"], StringComparison.Ordinal);
        Assert.Contains("WHERE (status = 'todo'", catalog["index procrastinate_jobs_queueing_lock_idx_v1"], StringComparison.Ordinal);
        Assert.Contains("UNIQUE INDEX", catalog["index procrastinate_jobs_lock_idx_v1"], StringComparison.Ordinal);
        Assert.Contains("WHEN ((new.abort_requested = true))", catalog["trigger procrastinate_trigger_abort_requested_events_v1"], StringComparison.Ordinal);
        string[] functions =
        [
            "procrastinate_defer_jobs_v1(jobs procrastinate_job_to_defer_v1[])",
            "procrastinate_defer_periodic_job_v2(_queue_name character varying, _lock character varying, _queueing_lock character varying, _task_name character varying, _priority integer, _periodic_id character varying, _defer_timestamp bigint, _args jsonb)",
            "procrastinate_fetch_job_v2(target_queue_names character varying[], p_worker_id bigint)",
            "procrastinate_finish_job_v1(job_id bigint, end_status procrastinate_job_status, delete_job boolean)",
            "procrastinate_cancel_job_v1(job_id bigint, abort boolean, delete_job boolean)",
            "procrastinate_retry_job_v1(job_id bigint, retry_at timestamp with time zone, new_priority integer, new_queue_name character varying, new_lock character varying)",
            "procrastinate_retry_job_v2(job_id bigint, retry_at timestamp with time zone, new_priority integer, new_queue_name character varying, new_lock character varying)",
            "procrastinate_register_worker_v1()",
            "procrastinate_unregister_worker_v1(worker_id bigint)",
            "procrastinate_update_heartbeat_v1(worker_id bigint)",
            "procrastinate_prune_stalled_workers_v1(seconds_since_heartbeat double precision)",
        ];
        foreach (var function in functions)
        {
            Assert.True(catalog.ContainsKey("function " + function), function);
        }

        string[] triggers =
        [
            "procrastinate_jobs_notify_queue_job_inserted_v1", "procrastinate_jobs_notify_queue_job_aborted_v1",
            "procrastinate_trigger_status_events_insert_v1", "procrastinate_trigger_status_events_update_v1",
            "procrastinate_trigger_scheduled_events_v1", "procrastinate_trigger_abort_requested_events_v1",
            "procrastinate_trigger_delete_jobs_v1",
        ];
        foreach (var trigger in triggers)
        {
            Assert.True(catalog.ContainsKey("trigger " + trigger), trigger);
        }
    }

    [Fact]
    public async Task ApplySchema_InAnotherSchema_GivesTheSameCatalog_AndKeepsQueuesApart()
    {
        await using var tenant = new PostgreSqlJobStore(Database.ConnectionString, schema: "tenant_b");
        await tenant.ApplySchemaAsync();

        var check = await tenant.Schema.CheckSchemaAsync();
        Assert.True(check.IsComplete, string.Join('\n', check.Differences));
        Assert.Equal([PostgreSqlSchemaManager.QueueIndexName, PostgreSqlSchemaManager.WorkerIndexName], check.Ours.Select(o => o.Name).Order(StringComparer.Ordinal));
        Assert.Equal(
            PostgreSqlSchemaManager.ContractFacts().Select(e => e.ToString()).Order(StringComparer.Ordinal),
            (await tenant.Schema.DescribeAsync(default)).Where(f => !f.IsOurs).Select(e => e.ToString()).Order(StringComparer.Ordinal));

        await DeferAsync(Job(task: "in.public"));
        var tenantId = (await tenant.DeferJobsAsync([Job(task: "in.tenant")]))[0];
        Assert.Equal("in.tenant", Assert.Single(await tenant.ListJobsAsync(Storage.JobFilter.All)).TaskName);
        Assert.Equal("in.public", Assert.Single(await Store.ListJobsAsync(Storage.JobFilter.All)).TaskName);
        Assert.Equal(1, tenantId);
        await Database.ExecuteAsync("DROP SCHEMA tenant_b CASCADE");
    }

    [Fact]
    public async Task ApplySchema_WhenAlreadyApplied_RefusesAndChangesNothing()
    {
        var e = await Assert.ThrowsAsync<ProcrastinateException>(() => Store.ApplySchemaAsync());

        Assert.Contains("already applied", e.Message, StringComparison.Ordinal);
        Assert.True((await Store.Schema.CheckSchemaAsync()).IsValid);
    }

    [Fact]
    public async Task CheckSchema_OnTheAppliedSchema_IsValid()
    {
        var result = await Store.Schema.CheckSchemaAsync();

        Assert.True(result.IsValid, string.Join('\n', result.Differences));
        Assert.Equal(0, result.ExitCode);
    }

    [Fact]
    public async Task CheckSchema_ListsMissingAndDifferentObjects()
    {
        await using var broken = new PostgreSqlJobStore(Database.ConnectionString, schema: "broken");
        await broken.ApplySchemaAsync();
        await Database.ExecuteAsync("""
            DROP INDEX broken.procrastinate_jobs_priority_idx_v1;
            DROP TRIGGER procrastinate_trigger_delete_jobs_v1 ON broken.procrastinate_jobs;
            ALTER TYPE broken.procrastinate_job_event_type RENAME VALUE 'retried' TO 'retried_again';
            ALTER TABLE broken.procrastinate_jobs ALTER COLUMN priority DROP DEFAULT;
            """);

        var result = await broken.Schema.CheckSchemaAsync();
        await Database.ExecuteAsync("DROP SCHEMA broken CASCADE");

        Assert.Equal(1, result.ExitCode);
        var lines = result.Differences.Select(d => d.ToString()).ToList();
        Assert.Equal(4, lines.Count);
        Assert.Contains(result.Differences, d => d is { Kind: "index", Name: "procrastinate_jobs_priority_idx_v1", IsMissing: true });
        Assert.Contains(result.Differences, d => d is { Kind: "trigger", Name: "procrastinate_trigger_delete_jobs_v1", IsMissing: true });
        Assert.Contains(result.Differences, d => d.Kind == "enum" && d.Actual!.EndsWith("retried_again", StringComparison.Ordinal));
        Assert.Contains(result.Differences, d => d is { Kind: "column", Name: "procrastinate_jobs.priority", Actual: "procrastinate_jobs.priority integer not null" });
    }

    [Fact]
    public async Task CheckSchema_OnAnEarlierDotnetSchema_NamesTheTriggerAndConstraint_AndMigration001MakesItValid()
    {
        // The two definitions Procrastinate for .NET wrote before matching 3.9 exactly, in a schema whose name the
        // contract query's own prefix stripping does not cover (a digit).
        await using var older = new PostgreSqlJobStore(Database.ConnectionString, schema: "older9");
        await older.ApplySchemaAsync();
        await Database.ExecuteAsync("""
            DROP TRIGGER procrastinate_trigger_abort_requested_events_v1 ON older9.procrastinate_jobs;
            CREATE TRIGGER procrastinate_trigger_abort_requested_events_v1
                AFTER UPDATE OF abort_requested ON older9.procrastinate_jobs
                FOR EACH ROW WHEN (OLD.abort_requested = false AND NEW.abort_requested = true)
                EXECUTE FUNCTION older9.procrastinate_trigger_abort_requested_events_procedure_v1();
            ALTER TABLE older9.procrastinate_jobs DROP CONSTRAINT check_not_todo_abort_requested,
                ADD CONSTRAINT check_not_todo_abort_requested CHECK (NOT (status = 'todo' AND abort_requested));
            """);

        var before = await older.Schema.CheckSchemaAsync();
        Assert.Equal(
            ["constraint procrastinate_jobs.check_not_todo_abort_requested", "trigger procrastinate_trigger_abort_requested_events_v1"],
            before.Differences.Select(d => d.Kind + " " + d.Name).Order(StringComparer.Ordinal));
        Assert.All(before.Differences, d => Assert.False(d.IsMissing || d.IsUnexpected));
        Assert.Contains("found procrastinate_jobs check_not_todo_abort_requested CHECK ((NOT ((status = 'todo'::procrastinate_job_status) AND abort_requested)))", before.Differences.Select(d => d.ToString()).First(d => d.StartsWith("different constraint", StringComparison.Ordinal)), StringComparison.Ordinal);

        var migration = Assert.Single(PostgreSqlSchemaManager.GetMigrations(), m => m.Number == 1);
        for (var run = 0; run < 2; run++)
        {
            await using var connection = await older.DataSource.OpenConnectionAsync();
            await using var transaction = await connection.BeginTransactionAsync();
            await using (var apply = new NpgsqlCommand(migration.Sql, connection, transaction))
            {
                await apply.ExecuteNonQueryAsync();
            }

            await transaction.CommitAsync();
            var after = await older.Schema.CheckSchemaAsync();
            Assert.True(after.IsValid, string.Join('\n', after.Differences));
        }

        await Database.ExecuteAsync("DROP SCHEMA older9 CASCADE");
    }

    [Fact]
    public async Task CheckSchema_ListsOurObjectsApart_NamesUnexpectedOnes_AndIgnoresTheApplications()
    {
        await Store.Schema.ApplyQueueIndexAsync();
        await Store.Schema.ApplyTraceContextTableAsync();
        await Database.ExecuteAsync("CREATE TABLE orders (id bigint PRIMARY KEY, note text)");
        var valid = await Store.Schema.CheckSchemaAsync();

        Assert.True(valid.IsValid, string.Join('\n', valid.Differences));
        Assert.Contains(valid.Ours, o => o is { Kind: "index", Name: PostgreSqlSchemaManager.QueueIndexName });
        Assert.Contains(valid.Ours, o => o is { Kind: "column", Name: "procrastinate_dotnet_trace_contexts.traceparent" });
        Assert.All(valid.Ours, o => Assert.Contains("procrastinate_dotnet_", o.ToString(), StringComparison.Ordinal));
        Assert.DoesNotContain(valid.Ours, o => o.Name.Contains("orders", StringComparison.Ordinal));

        await Database.ExecuteAsync("""
            ALTER TABLE procrastinate_jobs ADD COLUMN extra text;
            CREATE INDEX jobs_by_extra ON procrastinate_jobs (extra);
            CREATE FUNCTION procrastinate_extra_v1() RETURNS int LANGUAGE sql AS 'SELECT 1';
            """);
        var extra = await Store.Schema.CheckSchemaAsync();
        await Database.ExecuteAsync("""
            DROP FUNCTION procrastinate_extra_v1(); DROP INDEX jobs_by_extra; ALTER TABLE procrastinate_jobs DROP COLUMN extra;
            DROP TABLE procrastinate_dotnet_trace_contexts; DROP TABLE orders;
            """);

        Assert.Equal(1, extra.ExitCode);
        Assert.Equal(
            ["unexpected column procrastinate_jobs.extra: found procrastinate_jobs.extra text",
             "unexpected function procrastinate_extra_v1(): found procrastinate_extra_v1() returns integer",
             "unexpected index jobs_by_extra: found CREATE INDEX jobs_by_extra ON procrastinate_jobs USING btree (extra)"],
            extra.Differences.Select(d => d.ToString()));
        Assert.All(extra.Differences, d => Assert.True(d.IsUnexpected));
    }

    [Fact]
    public async Task Store_WithoutSchema_SaysHowToApplyIt()
    {
        var connectionString = await Database.Server.CreateDatabaseAsync();
        await using var store = new PostgreSqlJobStore(connectionString);

        Assert.False(await store.IsSchemaPresentAsync());
        var e = await Assert.ThrowsAsync<Storage.SchemaUnusableException>(async () => await store.DeferJobsAsync([Job()]));
        Assert.Contains("schema --apply", e.Message, StringComparison.Ordinal);
        Assert.Contains("ApplySchemaAsync", e.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<Storage.SchemaUnusableException>(async () => await store.RegisterWorkerAsync());
        Assert.False((await store.Schema.CheckSchemaAsync()).IsValid);

        await store.ApplySchemaAsync();
        Assert.True(await store.IsSchemaPresentAsync());
        await Database.Server.DropDatabaseAsync(new NpgsqlConnectionStringBuilder(connectionString).Database!);
    }

    [Fact]
    public async Task Store_WhenTheServerIsUnreachable_NamesHostAndPort()
    {
        var port = FreePort();
        await using var store = new PostgreSqlJobStore($"Host=127.0.0.1;Port={port};Username=postgres;Timeout=3");

        var e = await Assert.ThrowsAsync<Storage.StoreUnavailableException>(async () => await store.DeferJobsAsync([Job()]));

        Assert.Contains($"127.0.0.1:{port}", e.Message, StringComparison.Ordinal);
        Assert.False(await store.IsSchemaPresentAsync());
        Assert.Equal(0, await Database.CountJobsAsync());
    }

    [Fact]
    public async Task EveryNamedQuery_PreparesOnTheServer()
    {
        await using var connection = await Store.DataSource.OpenConnectionAsync();
        Assert.NotEmpty(SqlQueries.Statements);
        foreach (var (name, sql) in SqlQueries.Statements)
        {
            await using var prepare = new NpgsqlCommand($"PREPARE check_{name} AS {sql}", connection);
            await prepare.ExecuteNonQueryAsync();
            await using var deallocate = new NpgsqlCommand($"DEALLOCATE check_{name}", connection);
            await deallocate.ExecuteNonQueryAsync();
        }
    }

    [Fact]
    public void GetSchemaSql_ReturnsTheEmbeddedSchema()
    {
        var sql = PostgreSqlSchemaManager.GetSchemaSql();

        Assert.Contains("CREATE TABLE procrastinate_jobs", sql, StringComparison.Ordinal);
        Assert.Contains("CREATE FUNCTION procrastinate_fetch_job_v2", sql, StringComparison.Ordinal);
    }

    [Fact]
    public void Migrations_FollowTheNamingConvention_InOrder()
    {
        var migrations = PostgreSqlSchemaManager.GetMigrations();
        Assert.Equal(migrations.OrderBy(m => m.Number).ThenBy(m => m.Phase), migrations);

        var pre = SchemaMigration.Parse("002_pre_add_job_timeout.sql", "SELECT 1");
        Assert.Equal((2, MigrationPhase.Pre, "add job timeout"), (pre.Number, pre.Phase, pre.Description));
        Assert.Equal(MigrationPhase.Post, SchemaMigration.Parse("010_post_drop_old_fetch.sql", "").Phase);
        Assert.Throws<FormatException>(() => SchemaMigration.Parse("2_pre_x.sql", ""));
        Assert.Throws<FormatException>(() => SchemaMigration.Parse("002_during_x.sql", ""));
        Assert.Throws<FormatException>(() => SchemaMigration.Parse("002_pre_Bad-Name.sql", ""));
    }

    [Fact]
    public void Queries_ParseNamedBlocks()
    {
        var parsed = SqlQueries.Parse("-- preamble\n-- name: one --\n-- about one\nSELECT 1;\n\n-- name: two --\nSELECT\n  2;\n");

        Assert.Equal("SELECT 1", parsed["one"]);
        Assert.Equal("SELECT\n  2", parsed["two"]);
        Assert.Throws<InvalidOperationException>(() => SqlQueries.Parse("-- name: a --\nSELECT 1;\n-- name: a --\nSELECT 2;"));
    }

    private static string RepositoryFile(string contractFile) =>
        Path.Combine(RepositoryRoot(), "src", "Procrastinate.PostgreSql", "Sql", "contract", contractFile);

    private static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Procrastinate.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("Procrastinate.sln not found above " + AppContext.BaseDirectory);
    }

    private static int FreePort()
    {
        using var socket = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        socket.Start();
        return ((System.Net.IPEndPoint)socket.LocalEndpoint).Port;
    }
}
