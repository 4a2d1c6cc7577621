using Npgsql;
using Procrastinate.PostgreSql;
using Procrastinate.PostgreSql.Tests.Infrastructure;

namespace Procrastinate.Cli.Tests;

/// <summary><c>schema --extension NAME</c> with <c>--apply</c> and <c>--read</c>.</summary>
public sealed class SchemaExtensionTests : CliTest
{
    public SchemaExtensionTests(DatabaseFixture database)
        : base(database)
    {
    }

    [Fact]
    public async Task SchemaRead_WithExtensions_PrintsTheirSql()
    {
        var result = await CliRunner.RunAsync(["schema", "--read", "--extension", "queue-index", "--extension", "trace-contexts", "--extension", "job-errors"]);

        Assert.Equal(CliExitCodes.Success, result.ExitCode);
        Assert.Equal(
            PostgreSqlSchemaManager.GetQueueIndexSql() + PostgreSqlSchemaManager.GetTraceContextTableSql() + PostgreSqlSchemaManager.GetJobErrorTableSql(),
            result.Out);
        Assert.Contains("CREATE TABLE IF NOT EXISTS procrastinate_dotnet_job_errors", result.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SchemaApply_WithExtensions_IsIdempotent_AndTheCheckStillPasses()
    {
        var connectionString = await Database.Server.CreateDatabaseAsync();
        try
        {
            var withoutSchema = await CliRunner.RunAsync(connectionString, "schema", "--extension", "queue-index");
            var schema = await CliRunner.RunAsync(connectionString, "schema", "--apply");
            var first = await CliRunner.RunAsync(
                connectionString, "schema", "--apply", "--extension", "queue-index", "--extension", "trace-contexts", "--extension", "job-errors");
            var again = await CliRunner.RunAsync(connectionString, "schema", "--extension", "queue-index", "--extension", "job-errors");
            var check = await CliRunner.RunAsync(connectionString, "schema", "--check");

            Assert.Equal(CliExitCodes.Failure, withoutSchema.ExitCode);
            Assert.Matches("^error: The Procrastinate schema is missing from .*`schema --apply`", withoutSchema.ErrorLines[^1]);
            Assert.Equal(CliExitCodes.Success, schema.ExitCode);
            Assert.Equal(CliExitCodes.Success, first.ExitCode);
            Assert.Equal(
                [
                    $"Applying extension queue-index to {Describe(connectionString)}",
                    $"Applying extension trace-contexts to {Describe(connectionString)}",
                    $"Applying extension job-errors to {Describe(connectionString)}",
                    "Done",
                ],
                first.ErrorLines);
            Assert.Equal(CliExitCodes.Success, again.ExitCode);
            Assert.Equal(CliExitCodes.Success, check.ExitCode);
            Assert.Contains($"ours index {PostgreSqlSchemaManager.QueueIndexName}: CREATE INDEX", check.Out, StringComparison.Ordinal);
            Assert.Contains("ours constraint procrastinate_dotnet_trace_contexts.procrastinate_dotnet_trace_contexts_pkey", check.Out, StringComparison.Ordinal);
            Assert.Contains("ours constraint procrastinate_dotnet_job_errors.procrastinate_dotnet_job_errors_pkey", check.Out, StringComparison.Ordinal);
            Assert.All(check.OutLines, line => Assert.StartsWith("ours ", line, StringComparison.Ordinal));
            await using var connection = new NpgsqlConnection(connectionString);
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand(
                "SELECT to_regclass($1) IS NOT NULL AND to_regclass('procrastinate_dotnet_trace_contexts') IS NOT NULL "
                + "AND to_regclass('procrastinate_dotnet_job_errors') IS NOT NULL", connection)
            {
                Parameters = { new NpgsqlParameter { Value = PostgreSqlSchemaManager.QueueIndexName } },
            };
            Assert.Equal(true, await command.ExecuteScalarAsync());
        }
        finally
        {
            NpgsqlConnection.ClearAllPools();
            await Database.Server.DropDatabaseAsync(new NpgsqlConnectionStringBuilder(connectionString).Database!);
        }
    }

    [Theory]
    [InlineData("--check")]
    [InlineData("--migrate")]
    public async Task Extension_WithAModeOtherThanApplyOrRead_IsAUsageError(string mode)
    {
        var result = await CliRunner.RunAsync(["schema", mode, "--extension", "queue-index"]);

        Assert.Equal(CliExitCodes.Usage, result.ExitCode);
        Assert.Equal($"error: --extension goes with --apply or --read, not {mode}.", Assert.Single(result.ErrorLines));
    }

    [Fact]
    public async Task Extension_Unknown_IsAUsageError_NamingTheKnownOnes()
    {
        var result = await CliRunner.RunAsync(["schema", "--extension", "fast-mode"]);

        Assert.Equal(CliExitCodes.Usage, result.ExitCode);
        Assert.Contains("fast-mode", result.Error, StringComparison.Ordinal);
        Assert.Contains("queue-index", result.Error, StringComparison.Ordinal);
    }

    private static string Describe(string connectionString)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        return $"{builder.Host}:{builder.Port}/{builder.Database}";
    }
}
