using Npgsql;
using Procrastinate.PostgreSql;
using Procrastinate.PostgreSql.Tests.Infrastructure;

namespace Procrastinate.Cli.Tests;

/// <summary>
/// The sample worker binary on a partial or drifted schema exits with one line naming what is wrong instead of
/// retrying forever (issue 18, item 4). Each test has a database of its own, which it damages.
/// </summary>
public sealed class SchemaDriftWorkerTests : IClassFixture<DatabaseFixture>
{
    private readonly DatabaseFixture _fixture;

    public SchemaDriftWorkerTests(DatabaseFixture fixture)
    {
        _fixture = fixture;
    }

    [Fact]
    public async Task TableMissingAtStart_OneShotWorkerExitsWithOneLineNamingIt()
    {
        await WithDamagedDatabaseAsync("DROP TABLE procrastinate_workers CASCADE", async connectionString =>
        {
            var result = await WorkerBinary.RunWithDsnAsync(connectionString, "worker", "--one-shot");

            Assert.True(result.ExitCode == CliExitCodes.Failure, result.ToString());
            var error = Assert.Single(result.ErrorLines, l => l.StartsWith("error:", StringComparison.Ordinal));
            Assert.Contains("missing table procrastinate_workers", error, StringComparison.Ordinal);
        });
    }

    [Fact]
    public async Task ColumnRemovedWhileRunning_WorkerStopsWithOneLineNamingIt_InsteadOfRetrying()
    {
        await WithDamagedDatabaseAsync(null, async connectionString =>
        {
            using var process = WorkerBinary.Start(null, "--dsn", connectionString, "worker", "--fetch-job-polling-interval", "0.2");
            var output = process.StandardOutput.ReadToEndAsync();
            var lines = new List<string>();
            string? line;
            while ((line = await process.StandardError.ReadLineAsync().WaitAsync(TimeSpan.FromMinutes(2))) is not null)
            {
                lines.Add(line);
                if (line.Contains("listening on all queues", StringComparison.Ordinal))
                {
                    break;
                }
            }

            Assert.True(line is not null, string.Join('\n', lines));
            await ExecuteAsync(connectionString, "ALTER TABLE procrastinate_jobs RENAME COLUMN priority TO priority_renamed");

            lines.AddRange((await process.StandardError.ReadToEndAsync().WaitAsync(TimeSpan.FromMinutes(2)))
                .Split('\n', StringSplitOptions.RemoveEmptyEntries));
            await WorkerBinary.WaitForExitAsync(process, ["worker"]);
            await output;

            var all = string.Join('\n', lines);
            Assert.True(process.ExitCode == CliExitCodes.Failure, all);
            var error = Assert.Single(lines, l => l.StartsWith("error:", StringComparison.Ordinal));
            Assert.Contains("42703", error, StringComparison.Ordinal);
            Assert.Contains("priority", error, StringComparison.Ordinal);
        });
    }

    private async Task WithDamagedDatabaseAsync(string? damage, Func<string, Task> test)
    {
        var connectionString = await _fixture.Server.CreateDatabaseAsync();
        try
        {
            await using (var store = new PostgreSqlJobStore(connectionString))
            {
                await store.ApplySchemaAsync();
            }

            if (damage is not null)
            {
                await ExecuteAsync(connectionString, damage);
            }

            await test(connectionString);
        }
        finally
        {
            NpgsqlConnection.ClearAllPools();
            await _fixture.Server.DropDatabaseAsync(new NpgsqlConnectionStringBuilder(connectionString).Database!);
        }
    }

    private static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}
