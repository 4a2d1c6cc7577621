using Npgsql;
using Procrastinate.Testing.PostgreSql;

namespace Procrastinate.TestWorker;

/// <summary>
/// The <c>start-server</c> mode: starts a throwaway PostgreSQL cluster, uses it, disposes it, and prints
/// <c>server ok</c>; tests run several at once to prove that no start removes another process's cluster.
/// </summary>
internal static class ServerStart
{
    public static async Task<int> RunAsync()
    {
        try
        {
            await using var server = await PostgresServer.StartAsync(new PostgresServerOptions { StartTimeout = TimeSpan.FromMinutes(2) });
            var database = await server.CreateDatabaseAsync();
            await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(database) { Pooling = false }.ConnectionString);
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand("SELECT 1", connection);
            await command.ExecuteScalarAsync();
            await Console.Out.WriteLineAsync($"server ok {server.Port}");
            return 0;
        }
        catch (Exception exception) when (exception is InvalidOperationException or NpgsqlException or IOException)
        {
            await Console.Error.WriteLineAsync("server failed: " + exception);
            return 1;
        }
    }
}
