using Npgsql;
using Procrastinate.PostgreSql.Tests.Infrastructure;
using Procrastinate.Storage;

namespace Procrastinate.PostgreSql.Tests;

/// <summary>A connection the server terminates surfaces as the contract's exception, never as a raw driver error.</summary>
public sealed class ConnectionLossTests : PostgresTest
{
    public ConnectionLossTests(DatabaseFixture database)
        : base(database)
    {
    }

    [Fact]
    public async Task Defer_OnAConnectionTheServerTerminated_ThrowsStoreUnavailable_AndTheNextDeferWorks()
    {
        await using var store = new PostgreSqlJobStore(Database.ConnectionString + ";Application Name=connection-loss-test");
        var app = new ProcrastinateApp(store);
        await app.DeferByNameAsync("loss.task", "{}", allowUnknown: true);
        await TerminateOtherSessionsAsync();

        var e = await Assert.ThrowsAsync<StoreUnavailableException>(
            async () => await app.DeferByNameAsync("loss.task", "{}", allowUnknown: true));

        Assert.Contains("Lost the connection to PostgreSQL", e.Message, StringComparison.Ordinal);
        Assert.IsAssignableFrom<NpgsqlException>(e.InnerException);
        await app.DeferByNameAsync("loss.task", "{}", allowUnknown: true);
        Assert.Equal(2, await Database.CountJobsAsync());
    }

    [Fact]
    public async Task Fetch_OnAConnectionTheServerTerminated_ThrowsStoreUnavailable()
    {
        await using var store = new PostgreSqlJobStore(Database.ConnectionString + ";Application Name=connection-loss-test");
        var worker = await store.RegisterWorkerAsync();
        await store.FetchJobsAsync(new FetchJobsParams(worker, null));
        await TerminateOtherSessionsAsync();

        await Assert.ThrowsAsync<StoreUnavailableException>(async () => await store.FetchJobsAsync(new FetchJobsParams(worker, null)));
    }

    private async Task TerminateOtherSessionsAsync()
    {
        await using var admin = new NpgsqlConnection(Database.ConnectionString);
        await admin.OpenAsync();
        await using var terminate = new NpgsqlCommand(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = 'connection-loss-test'",
            admin);
        await terminate.ExecuteScalarAsync();
    }
}
