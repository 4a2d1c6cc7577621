using System.Diagnostics;
using System.Reflection;
using Npgsql;
using Procrastinate.PostgreSql.Tests.Infrastructure;
using Procrastinate.Testing.PostgreSql;

namespace QuickStart.Tests;

/// <summary>The quick start run as a process, on PostgreSQL named by a <c>postgresql://</c> PROCRASTINATE_DSN.</summary>
public sealed class PostgreSqlUriTests
{
    private static readonly TimeSpan RunLimit = TimeSpan.FromMinutes(3);

    [Fact]
    public async Task QuickStart_WithAUriDsn_AppliesTheSchema_DefersAndRunsEveryJob()
    {
        var server = await PostgresServer.GetSharedAsync();
        var connectionString = await server.CreateDatabaseAsync();
        var temp = Directory.CreateTempSubdirectory("quickstart-");
        try
        {
            var (exitCode, output) = await RunQuickStartAsync(LibpqUri.From(connectionString), temp.FullName);

            Assert.True(exitCode == 0, $"Exit code {exitCode}. Output:{Environment.NewLine}{output}");
            Assert.Contains("Using PostgreSQL from PROCRASTINATE_DSN.", output, StringComparison.Ordinal);
            Assert.Contains("With a lock the file reads: abcd", output, StringComparison.Ordinal);
            await using var connection = new NpgsqlConnection(connectionString);
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand("SELECT count(*) FROM procrastinate_jobs WHERE status = 'succeeded'", connection);
            Assert.Equal(8L, await command.ExecuteScalarAsync());
        }
        finally
        {
            NpgsqlConnection.ClearAllPools();
            await server.DropDatabaseAsync(new NpgsqlConnectionStringBuilder(connectionString).Database!);
            temp.Delete(recursive: true);
        }
    }

    private static async Task<(int ExitCode, string Output)> RunQuickStartAsync(string dsn, string temp)
    {
        var dll = typeof(PostgreSqlUriTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .Single(a => a.Key == "QuickStartDll").Value!;
        Assert.True(File.Exists(dll), $"The quick start is not built: {dll}");
        var startInfo = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        startInfo.ArgumentList.Add(dll);
        startInfo.Environment["PROCRASTINATE_DSN"] = dsn;

        // The letters file goes to the temporary directory: this run's own.
        startInfo.Environment["TMPDIR"] = temp;
        using var process = Process.Start(startInfo)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(RunLimit);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"The quick start did not finish within {RunLimit}. Output:{Environment.NewLine}{await stdout}{await stderr}");
        }

        return (process.ExitCode, await stdout + await stderr);
    }
}
