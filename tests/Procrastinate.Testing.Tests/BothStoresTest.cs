using Procrastinate.PostgreSql;
using Procrastinate.Storage;
using Procrastinate.Testing.InMemory;
using Procrastinate.Testing.PostgreSql;

namespace Procrastinate.Testing.Tests;

/// <summary>A test run on each store, named by a theory's <c>"memory"</c> or <c>"postgres"</c> (a fresh database).</summary>
public abstract class BothStoresTest : IAsyncLifetime
{
    private PostgresServer? _server;
    private string? _database;
    private PostgreSqlJobStore? _postgres;

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (_postgres is not null)
        {
            await _postgres.DisposeAsync();
            await _server!.DropDatabaseAsync(_database!);
        }
    }

    protected async Task<IJobStore> StoreAsync(string name)
    {
        if (name == "memory")
        {
            return new InMemoryJobStore();
        }

        _server = await PostgresServer.GetSharedAsync();
        var connectionString = await _server.CreateDatabaseAsync();
        _database = new Npgsql.NpgsqlConnectionStringBuilder(connectionString).Database!;
        _postgres = new PostgreSqlJobStore(connectionString);
        await _postgres.ApplySchemaAsync();
        return _postgres;
    }
}
