using Npgsql;
using Procrastinate.PostgreSql.Tests.Infrastructure;

namespace Procrastinate.PostgreSql.Tests;

/// <summary>The store's own pool skips Npgsql's reset on reuse, so the store must leave no session state behind.</summary>
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
