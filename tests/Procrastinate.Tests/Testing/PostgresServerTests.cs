using System.Diagnostics;
using Npgsql;
using Procrastinate.Testing.PostgreSql;

namespace Procrastinate.Tests.Testing;

public sealed class PostgresServerTests
{
    [Fact]
    public async Task StartAsync_ServesDatabasesClonedFromATemplate_AndRemovesEverythingOnDispose()
    {
        var server = await PostgresServer.StartAsync();
        string clusterPid;
        try
        {
            Assert.True(server.IsThrowaway);
            var template = await server.CreateTemplateAsync("tpl", async cs =>
            {
                await using var connection = new NpgsqlConnection(cs);
                await connection.OpenAsync();
                await using var create = new NpgsqlCommand("CREATE TABLE marker (value text); INSERT INTO marker VALUES ('from template')", connection);
                await create.ExecuteNonQueryAsync();
            });

            var first = await server.CreateDatabaseAsync(template: template);
            var second = await server.CreateDatabaseAsync(template: template);
            Assert.NotEqual(first, second);
            Assert.Equal("from template", await ScalarAsync(first, "SELECT value FROM marker"));

            await ScalarAsync(first, "INSERT INTO marker VALUES ('only in first') RETURNING value");
            Assert.Equal("1", await ScalarAsync(second, "SELECT count(*)::text FROM marker"));
            clusterPid = (await ScalarAsync(server.ConnectionString, "SELECT pg_backend_pid()::text"))!;
        }
        finally
        {
            await server.DisposeAsync();
        }

        Assert.DoesNotContain(Directory.GetDirectories(Path.GetTempPath(), "procrastinate-pg-*"), d => File.Exists(Path.Combine(d, "owner.pid"))
                && File.ReadAllText(Path.Combine(d, "owner.pid")).Trim() == Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture)
                && !IsSharedCluster(d));
        await Assert.ThrowsAnyAsync<Exception>(() => ScalarAsync(server.ConnectionString, "SELECT 1"));
        Assert.False(ProcessExists(int.Parse(clusterPid, System.Globalization.CultureInfo.InvariantCulture)));
    }

    [Fact]
    public async Task StartAsync_RemovesClustersWhoseOwnerProcessIsGone()
    {
        using var deadOwner = Process.Start(new ProcessStartInfo("true") { UseShellExecute = false })!;
        deadOwner.WaitForExit();
        var stale = Path.Combine(Path.GetTempPath(), "procrastinate-pg-stale" + Guid.NewGuid().ToString("N")[..6]);
        Directory.CreateDirectory(Path.Combine(stale, "data"));
        await File.WriteAllTextAsync(Path.Combine(stale, "owner.pid"), deadOwner.Id.ToString(System.Globalization.CultureInfo.InvariantCulture));

        await using var server = await PostgresServer.StartAsync();

        Assert.False(Directory.Exists(stale));
    }

    [Fact]
    public async Task StartAsync_LeavesAYoungClusterWhoseOwnerIsNotWrittenYet()
    {
        // What another process's claim looked like between creating the directory and writing its owner: a start
        // in this window deleted the cluster under its owner (issue 18, item 6).
        var claiming = Path.Combine(Path.GetTempPath(), "procrastinate-pg-claiming" + Guid.NewGuid().ToString("N")[..6]);
        Directory.CreateDirectory(claiming);
        await File.WriteAllTextAsync(Path.Combine(claiming, "owner.pid"), "");
        try
        {
            await using var server = await PostgresServer.StartAsync();

            Assert.True(Directory.Exists(claiming));
        }
        finally
        {
            Directory.Delete(claiming, recursive: true);
        }
    }

    [Fact]
    public async Task Connect_DropsOnlyTheDatabasesItCreated()
    {
        var shared = await PostgresServer.GetSharedAsync();
        var created = await shared.CreateDatabaseAsync();
        var name = new NpgsqlConnectionStringBuilder(created).Database!;
        var other = PostgresServer.Connect(shared.ConnectionString);
        var mine = new NpgsqlConnectionStringBuilder(await other.CreateDatabaseAsync()).Database!;

        await other.DisposeAsync();

        var names = await ScalarAsync(shared.ConnectionString, "SELECT string_agg(datname, ',') FROM pg_database");
        Assert.Contains(name, names!.Split(','));
        Assert.DoesNotContain(mine, names.Split(','));
    }

    [Fact]
    public async Task StopAndStartAgain_OfAServerItDidNotStart_AreRefusedClearly()
    {
        var shared = await PostgresServer.GetSharedAsync();
        var other = PostgresServer.Connect(shared.ConnectionString);

        var stop = await Assert.ThrowsAsync<InvalidOperationException>(() => other.StopAsync());
        var start = await Assert.ThrowsAsync<InvalidOperationException>(() => other.StartAgainAsync());

        Assert.Equal("Only a throwaway cluster started by this object can be stopped.", stop.Message);
        Assert.Equal("Only a throwaway cluster started by this object can be started again.", start.Message);
        Assert.Equal("1", await ScalarAsync(shared.ConnectionString, "SELECT '1'"));
    }

    private static bool IsSharedCluster(string directory) =>
        PostgresServer.GetSharedAsync().IsCompletedSuccessfully
        && PostgresServer.GetSharedAsync().Result.IsThrowaway
        && PostgresServer.GetSharedAsync().Result.Port == ReadPort(directory);

    private static int ReadPort(string directory)
    {
        var pidFile = Path.Combine(directory, "data", "postmaster.pid");
        var lines = File.Exists(pidFile) ? File.ReadAllLines(pidFile) : [];
        return lines.Length > 3 && int.TryParse(lines[3], out var port) ? port : -1;
    }

    private static bool ProcessExists(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    private static async Task<string?> ScalarAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return (string?)await command.ExecuteScalarAsync();
    }
}
