using Npgsql;
using Procrastinate.PostgreSql;
using Procrastinate.PostgreSql.Tests.Infrastructure;

namespace Procrastinate.Cli.Tests;

public sealed class SchemaAndHealthTests : CliTest
{
    public SchemaAndHealthTests(DatabaseFixture database)
        : base(database)
    {
    }

    /// <summary>The <c>ours</c> lines of a complete schema's check: our two indexes.</summary>
    private static void AssertOwnIndexLines(IEnumerable<string> lines) => Assert.Collection(
        lines.Order(StringComparer.Ordinal),
        line => Assert.StartsWith($"ours index {PostgreSqlSchemaManager.QueueIndexName}: CREATE INDEX", line, StringComparison.Ordinal),
        line => Assert.StartsWith($"ours index {PostgreSqlSchemaManager.WorkerIndexName}: CREATE INDEX", line, StringComparison.Ordinal));

    [Fact]
    public async Task SchemaRead_PrintsTheSchemaSql()
    {
        var result = await CliRunner.RunAsync(["schema", "--read"]);

        Assert.Equal(CliExitCodes.Success, result.ExitCode);
        Assert.Equal(PostgreSqlSchemaManager.GetSchemaSql(), result.Out);
    }

    [Fact]
    public async Task SchemaApply_OnAnEmptyDatabase_ThenCheck_ThenApplyAgainFails()
    {
        await using var empty = await EmptyDatabase.CreateAsync(Database);

        var missing = await CliRunner.RunAsync(empty.ConnectionString, "jobs", "list");
        var worker = await CliRunner.RunAsync(empty.ConnectionString, "worker", "--one-shot");
        var unhealthy = await CliRunner.RunAsync(empty.ConnectionString, "healthchecks");
        var checkEmpty = await CliRunner.RunAsync(empty.ConnectionString, "schema", "--check");
        var apply = await CliRunner.RunAsync(empty.ConnectionString, "schema");
        var check = await CliRunner.RunAsync(empty.ConnectionString, "schema", "--check");
        var again = await CliRunner.RunAsync(empty.ConnectionString, "schema", "--apply");
        var healthy = await CliRunner.RunAsync(empty.ConnectionString, "healthchecks");

        Assert.Equal(CliExitCodes.Failure, missing.ExitCode);
        Assert.Matches("^error: The Procrastinate schema is missing from .*`schema --apply`", Assert.Single(missing.ErrorLines));
        Assert.Equal(CliExitCodes.Failure, worker.ExitCode);
        Assert.Matches(@"^error: The Procrastinate schema is missing from 127\.0\.0\.1:\d+/\w+: apply it with `schema --apply`\.$", Assert.Single(worker.ErrorLines));
        Assert.Equal(CliExitCodes.Failure, unhealthy.ExitCode);
        Assert.Equal("Found procrastinate_jobs table: FAILED (apply the schema with `schema --apply`)", Assert.Single(unhealthy.ErrorLines));
        Assert.Equal(CliExitCodes.Failure, checkEmpty.ExitCode);
        Assert.Contains("missing column procrastinate_jobs.id: expected procrastinate_jobs.id bigint not null", checkEmpty.Out, StringComparison.Ordinal);
        Assert.Equal(74, checkEmpty.OutLines.Count);
        Assert.Equal(CliExitCodes.Success, apply.ExitCode);
        Assert.Equal("Done", apply.ErrorLines[^1]);
        Assert.Equal(CliExitCodes.Success, check.ExitCode);
        AssertOwnIndexLines(check.OutLines);
        Assert.Equal(CliExitCodes.Failure, again.ExitCode);
        Assert.StartsWith("error: The Procrastinate schema is already applied", again.ErrorLines[^1]);
        Assert.Equal(CliExitCodes.Success, healthy.ExitCode);
        Assert.Equal(3, healthy.OutLines.Count);
        Assert.All(healthy.OutLines, line => Assert.Contains(": OK", line, StringComparison.Ordinal));
    }

    [Fact]
    public async Task SchemaApply_InANamedSchema_IsUsedByLaterCommands()
    {
        await using var empty = await EmptyDatabase.CreateAsync(Database);

        var apply = await CliRunner.RunAsync(empty.ConnectionString, "--schema", "jobs_a", "schema", "--apply");
        var defer = await CliRunner.RunAsync(empty.ConnectionString, "--schema", "jobs_a", "defer", "cli.flaky");
        var withoutSchema = await CliRunner.RunAsync(empty.ConnectionString, "jobs", "list");

        Assert.Equal(CliExitCodes.Success, apply.ExitCode);
        Assert.Equal(CliExitCodes.Success, defer.ExitCode);
        Assert.Equal(CliExitCodes.Failure, withoutSchema.ExitCode);
        Assert.Contains("schema is missing", withoutSchema.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SchemaMigrate_PrintsTheMigrations_WhichBringAnEarlierDotnetSchemaTo39()
    {
        await using var empty = await EmptyDatabase.CreateAsync(Database);
        await CliRunner.RunAsync(empty.ConnectionString, "schema", "--apply");
        await using (var connection = new NpgsqlConnection(empty.ConnectionString))
        {
            // The trigger as Procrastinate for .NET wrote it before matching 3.9.
            await connection.OpenAsync();
            await using var older = new NpgsqlCommand("""
                DROP TRIGGER procrastinate_trigger_abort_requested_events_v1 ON procrastinate_jobs;
                CREATE TRIGGER procrastinate_trigger_abort_requested_events_v1
                    AFTER UPDATE OF abort_requested ON procrastinate_jobs
                    FOR EACH ROW WHEN (OLD.abort_requested = false AND NEW.abort_requested = true)
                    EXECUTE FUNCTION procrastinate_trigger_abort_requested_events_procedure_v1();
                """, connection);
            await older.ExecuteNonQueryAsync();
        }

        var before = await CliRunner.RunAsync(empty.ConnectionString, "schema", "--check");
        var migrate = await CliRunner.RunAsync(["schema", "--migrate"]);
        await using (var connection = new NpgsqlConnection(empty.ConnectionString))
        {
            await connection.OpenAsync();
            await using var apply = new NpgsqlCommand(migrate.Out, connection);
            await apply.ExecuteNonQueryAsync();
        }

        var after = await CliRunner.RunAsync(empty.ConnectionString, "schema", "--check");

        Assert.Equal(CliExitCodes.Failure, before.ExitCode);
        Assert.StartsWith("different trigger procrastinate_trigger_abort_requested_events_v1: expected CREATE TRIGGER", Assert.Single(before.OutLines, l => !l.StartsWith("ours ", StringComparison.Ordinal)), StringComparison.Ordinal);
        Assert.Contains("`schema --migrate`", before.Error, StringComparison.Ordinal);
        Assert.Equal(CliExitCodes.Success, migrate.ExitCode);
        Assert.StartsWith("-- 001_pre_procrastinate_3_9_abort_event_check_and_periodic_delete.sql (pre: ", migrate.Out, StringComparison.Ordinal);
        Assert.Equal(CliExitCodes.Success, after.ExitCode);
        AssertOwnIndexLines(after.OutLines);
    }

    [Fact]
    public async Task SchemaCheck_OnASchemaPythonApplied_ExitsIncomplete_NamingWhatToRun_UntilApplyOwn()
    {
        await using var empty = await EmptyDatabase.CreateAsync(Database);
        await using (var connection = new NpgsqlConnection(empty.ConnectionString))
        {
            // The contract's objects only, as Python's `procrastinate schema --apply` leaves them.
            await connection.OpenAsync();
            await using var apply = new NpgsqlCommand(PostgreSqlSchemaManager.GetSchemaSql(), connection);
            await apply.ExecuteNonQueryAsync();
        }

        var before = await CliRunner.RunAsync(empty.ConnectionString, "schema", "--check");
        var json = await CliRunner.RunAsync(empty.ConnectionString, "--json", "schema", "--check");
        var add = await CliRunner.RunAsync(empty.ConnectionString, "schema", "--apply-own");
        var again = await CliRunner.RunAsync(empty.ConnectionString, "schema", "--apply-own");
        var after = await CliRunner.RunAsync(empty.ConnectionString, "schema", "--check");

        Assert.Equal(CliExitCodes.Incomplete, before.ExitCode);
        Assert.Equal(
            [
                $"missing ours index {PostgreSqlSchemaManager.QueueIndexName}: expected CREATE INDEX IF NOT EXISTS {PostgreSqlSchemaManager.QueueIndexName}",
                $"missing ours index {PostgreSqlSchemaManager.WorkerIndexName}: expected CREATE INDEX IF NOT EXISTS {PostgreSqlSchemaManager.WorkerIndexName}",
            ],
            before.OutLines.Select(line => line[..line.IndexOf(" ON ", StringComparison.Ordinal)]));
        Assert.Contains("`schema --apply-own` adds them without blocking writers", before.Error, StringComparison.Ordinal);
        Assert.Equal(CliExitCodes.Incomplete, json.ExitCode);
        Assert.Contains($"\"missing_ours\":[{{\"kind\":\"index\",\"name\":\"{PostgreSqlSchemaManager.QueueIndexName}\"", json.Out, StringComparison.Ordinal);
        Assert.Equal(CliExitCodes.Success, add.ExitCode);
        Assert.Equal("Done", add.ErrorLines[^1]);
        Assert.Equal(CliExitCodes.Success, again.ExitCode);
        Assert.Equal(CliExitCodes.Success, after.ExitCode);
        AssertOwnIndexLines(after.OutLines);
    }

    [Fact]
    public async Task SchemaModes_AreExclusive()
    {
        var result = await CliRunner.RunAsync(["schema", "--read", "--check"]);

        Assert.Equal(CliExitCodes.Usage, result.ExitCode);
        Assert.Equal("error: Choose one of --apply, --apply-own, --read, --check, --migrate (got --read and --check).", Assert.Single(result.ErrorLines));
    }

    [Fact]
    public async Task Healthchecks_AllPass_TextAndJson()
    {
        var text = await RunAsync("healthchecks");
        var json = await RunAsync("--json", "healthchecks");

        Assert.Equal(CliExitCodes.Success, text.ExitCode);
        Assert.Equal("App configuration: OK (5 task(s))", text.OutLines[0]);
        Assert.StartsWith("DB connection: OK (", text.OutLines[1]);
        Assert.Equal("Found procrastinate_jobs table: OK", text.OutLines[2]);
        using var document = System.Text.Json.JsonDocument.Parse(json.Out);
        Assert.True(document.RootElement.GetProperty("healthy").GetBoolean());
        Assert.Equal(3, document.RootElement.GetProperty("checks").GetArrayLength());
    }

    [Fact]
    public async Task Healthchecks_UnreachableDatabase_Fails()
    {
        var result = await CliRunner.RunAsync(["--dsn", "Host=127.0.0.1;Port=1;Database=x", "healthchecks"]);

        Assert.Equal(CliExitCodes.Failure, result.ExitCode);
        Assert.Equal("App configuration: OK (5 task(s))", Assert.Single(result.OutLines));
        Assert.StartsWith("DB connection: FAILED (Cannot connect to PostgreSQL at 127.0.0.1:1", Assert.Single(result.ErrorLines));
    }

    /// <summary>A database without the schema, dropped at the end.</summary>
    private sealed class EmptyDatabase : IAsyncDisposable
    {
        private readonly DatabaseFixture _fixture;

        private EmptyDatabase(DatabaseFixture fixture, string connectionString)
        {
            _fixture = fixture;
            ConnectionString = connectionString;
        }

        public string ConnectionString { get; }

        public static async Task<EmptyDatabase> CreateAsync(DatabaseFixture fixture) =>
            new(fixture, await fixture.Server.CreateDatabaseAsync());

        public async ValueTask DisposeAsync()
        {
            NpgsqlConnection.ClearAllPools();
            await _fixture.Server.DropDatabaseAsync(new NpgsqlConnectionStringBuilder(ConnectionString).Database!);
        }
    }
}
