using Procrastinate.Testing.PostgreSql;

namespace Procrastinate.Docs.Tests;

/// <summary>A fresh, empty database on the throwaway test server (or <c>PROCRASTINATE_TEST_DSN</c>'s) per test class.</summary>
public abstract class PostgresDatabase : IAsyncLifetime
{
    private PostgresServer? _server;
    private string? _database;

    /// <summary>The connection string of the test's database, where no schema is applied yet.</summary>
    protected string ConnectionString { get; private set; } = "";

    public async Task InitializeAsync()
    {
        _server = await PostgresServer.GetSharedAsync();
        ConnectionString = await _server.CreateDatabaseAsync();
        _database = new Npgsql.NpgsqlConnectionStringBuilder(ConnectionString).Database!;
    }

    public async Task DisposeAsync()
    {
        Npgsql.NpgsqlConnection.ClearAllPools();
        await _server!.DropDatabaseAsync(_database!);
    }
}
