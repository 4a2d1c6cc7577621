using Npgsql;
using Procrastinate.PostgreSql.Tests.Infrastructure;

namespace Procrastinate.PostgreSql.Tests;

/// <summary>
/// The store's own pool skips Npgsql's reset on reuse, so the store must leave no session state behind; and it loads no
/// type catalog on its first connection.
/// </summary>
public sealed class ConnectionReuseTests : PostgresTest
{
    public ConnectionReuseTests(DatabaseFixture database)
        : base(database)
    {
    }

    [Fact]
    public async Task OwnDataSource_SkipsTheReset_UnlessTheConnectionStringAsksForIt()
    {
        Assert.True(new NpgsqlConnectionStringBuilder(Store.DataSource.ConnectionString).NoResetOnClose);

        var asked = new NpgsqlConnectionStringBuilder(Database.ConnectionString) { NoResetOnClose = false }.ConnectionString;
        await using var store = new PostgreSqlJobStore(asked);
        Assert.False(new NpgsqlConnectionStringBuilder(store.DataSource.ConnectionString).NoResetOnClose);
    }

    [Fact]
    public async Task OwnDataSource_LoadsNoTypeCatalog_UnlessTheConnectionStringAsksForIt()
    {
        // Without type loading Npgsql knows only the built-in types, so a schema enum is a type it cannot name.
        Assert.DoesNotContain("procrastinate_job_status", await EnumTypeNameAsync(Store), StringComparison.Ordinal);

        var asked = new NpgsqlConnectionStringBuilder(Database.ConnectionString).ConnectionString + ";Server Compatibility Mode=None";
        await using var store = new PostgreSqlJobStore(asked);
        Assert.Contains("procrastinate_job_status", await EnumTypeNameAsync(store), StringComparison.Ordinal);

        static async Task<string> EnumTypeNameAsync(PostgreSqlJobStore store)
        {
            await using var connection = await store.DataSource.OpenConnectionAsync();
            await using var command = new NpgsqlCommand("SELECT 'todo'::procrastinate_job_status", connection);
            await using var reader = await command.ExecuteReaderAsync();
            return reader.GetDataTypeName(0);
        }
    }

    [Fact]
    public async Task Listener_StopsListening_BeforeItsConnectionGoesBackToThePool()
    {
        // One pooled connection: the listener's is the one handed out next.
        var single = new NpgsqlConnectionStringBuilder(Database.ConnectionString) { MaxPoolSize = 1 }.ConnectionString;
        await using var store = new PostgreSqlJobStore(single);
        var subscription = await store.ListenAsync(["emails"], _ => ValueTask.CompletedTask);
        await subscription.DisposeAsync();

        await using var connection = await store.DataSource.OpenConnectionAsync();
        await using var command = new NpgsqlCommand("SELECT count(*) FROM pg_listening_channels()", connection);
        Assert.Equal(0L, await command.ExecuteScalarAsync());
    }
}
