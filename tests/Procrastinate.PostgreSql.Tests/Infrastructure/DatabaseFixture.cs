using Npgsql;
using Procrastinate.PostgreSql;
using Procrastinate.Testing.PostgreSql;

namespace Procrastinate.PostgreSql.Tests.Infrastructure;

/// <summary>A fresh database cloned from the schema template, for one test class.</summary>
public sealed class DatabaseFixture : IAsyncLifetime
{
    private PostgresServer? _server;

    public string ConnectionString { get; private set; } = "";

    public string DatabaseName => new NpgsqlConnectionStringBuilder(ConnectionString).Database!;

    public PostgresServer Server => _server ?? throw new InvalidOperationException("Not initialized.");

    public PostgreSqlJobStore Store { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var (server, template) = await TestServer.GetAsync();
        _server = server;
        ConnectionString = await server.CreateDatabaseAsync(template: template);
        Store = new PostgreSqlJobStore(ConnectionString);
    }

    public async Task DisposeAsync()
    {
        await Store.DisposeAsync();
        if (_server is not null)
        {
            await _server.DropDatabaseAsync(DatabaseName);
        }
    }

    /// <summary>Empties every table and restarts the ids, so a test starts from job 1 and worker 1.</summary>
    public Task ResetAsync() => ExecuteAsync(
        "TRUNCATE procrastinate_events, procrastinate_periodic_defers, procrastinate_jobs, procrastinate_workers RESTART IDENTITY CASCADE");

    public async Task<int> ExecuteAsync(string sql, params object?[] parameters)
    {
        await using var connection = await Store.DataSource.OpenConnectionAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var parameter in parameters)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = parameter ?? DBNull.Value });
        }

        return await command.ExecuteNonQueryAsync();
    }

    public async Task<T?> ScalarAsync<T>(string sql, params object?[] parameters)
    {
        await using var connection = await Store.DataSource.OpenConnectionAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var parameter in parameters)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = parameter ?? DBNull.Value });
        }

        var value = await command.ExecuteScalarAsync();
        return value is null or DBNull ? default : (T)value;
    }

    public async Task<int> CountJobsAsync() => (int)(await ScalarAsync<long>("SELECT count(*) FROM procrastinate_jobs"));
}
