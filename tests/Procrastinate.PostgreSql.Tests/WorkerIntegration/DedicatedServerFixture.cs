using Procrastinate.Testing.PostgreSql;

namespace Procrastinate.PostgreSql.Tests.WorkerIntegration;

/// <summary>
/// A throwaway PostgreSQL server of its own for tests that stop or restart it, so that the shared server of the
/// other test classes is never disturbed.
/// </summary>
public sealed class DedicatedServerFixture : IAsyncLifetime
{
    private PostgresServer? _server;

    public PostgresServer Server => _server ?? throw new InvalidOperationException("Not initialized.");

    public async Task InitializeAsync() => _server = await PostgresServer.StartAsync(new PostgresServerOptions { MaxConnections = 50 });

    /// <summary>A new database with the schema applied; returns its connection string.</summary>
    public async Task<string> CreateDatabaseAsync()
    {
        var connectionString = await Server.CreateDatabaseAsync();
        await using var store = new PostgreSqlJobStore(connectionString);
        await store.ApplySchemaAsync();
        return connectionString;
    }

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }
}
