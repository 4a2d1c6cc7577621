using Npgsql;
using Procrastinate.PostgreSql.Tests.Infrastructure;
using Procrastinate.Storage;

namespace Procrastinate.PostgreSql.Tests.Connections;

/// <summary>Every DSN form the store reads reaches the test database: a job deferred through it is fetched.</summary>
public sealed class DsnFormsTests : PostgresTest
{
    public DsnFormsTests(DatabaseFixture database)
        : base(database)
    {
    }

    [Theory]
    [InlineData("postgresql")]
    [InlineData("postgres")]
    public async Task Uri_DefersAndFetches(string scheme)
    {
        await using var store = new PostgreSqlJobStore(LibpqUri.From(Database.ConnectionString, scheme));

        await AssertDeferAndFetchAsync(store);
    }

    [Fact]
    public async Task UriInTheOptions_WithASchema_DefersAndFetches()
    {
        await using var store = new PostgreSqlJobStore(new PostgreSqlJobStoreOptions
        {
            ConnectionString = LibpqUri.From(Database.ConnectionString) + "?application_name=dsn-forms-test&connect_timeout=30",
            Schema = "dsn_forms",
        });
        await store.ApplySchemaAsync();

        await AssertDeferAndFetchAsync(store);
        Assert.Equal("dsn-forms-test", await ScalarAsync(store, "SELECT current_setting('application_name')"));
        Assert.Equal("dsn_forms", await ScalarAsync(store, "SELECT current_schema()"));
    }

    [Fact]
    public async Task LibpqKeywordString_DefersAndFetches()
    {
        var server = new NpgsqlConnectionStringBuilder(Database.ConnectionString);

        await using var store = new PostgreSqlJobStore($"host={server.Host} port={server.Port} dbname='{server.Database}' user={server.Username}");

        await AssertDeferAndFetchAsync(store);
    }

    [Fact]
    public async Task UriWithSeveralHosts_SkipsTheOneThatIsDown()
    {
        var server = new NpgsqlConnectionStringBuilder(Database.ConnectionString);

        // Port 1 on loopback: nothing listens there.
        await using var store = new PostgreSqlJobStore(
            $"postgresql://{server.Username}@127.0.0.1:1,{server.Host}:{server.Port}/{server.Database}?connect_timeout=30");

        await AssertDeferAndFetchAsync(store);
    }

    [Fact]
    public async Task UriToTheUnixSocket_AsAnEncodedHostOrAHostParameter_DefersAndFetches()
    {
        var directory = (await ScalarAsync(Store, "SELECT split_part(current_setting('unix_socket_directories'), ',', 1)")).Trim();
        Assert.True(Directory.Exists(directory), $"The test server's Unix socket directory '{directory}' is not on this machine.");
        var server = new NpgsqlConnectionStringBuilder(Database.ConnectionString);
        var encoded = Uri.EscapeDataString(directory);

        await using var viaHost = new PostgreSqlJobStore($"postgresql://{server.Username}@{encoded}:{server.Port}/{server.Database}");
        await using var viaParameter = new PostgreSqlJobStore($"postgresql:///{server.Database}?host={encoded}&port={server.Port}&user={server.Username}");

        Assert.Equal(directory, new NpgsqlConnectionStringBuilder(viaHost.DataSource.ConnectionString).Host);
        await AssertDeferAndFetchAsync(viaHost);
        await AssertDeferAndFetchAsync(viaParameter);

        // A socket connection has no client address.
        Assert.Equal(string.Empty, await ScalarAsync(viaParameter, "SELECT coalesce(inet_client_addr()::text, '')"));
    }

    private static async Task AssertDeferAndFetchAsync(PostgreSqlJobStore store)
    {
        var id = (await store.DeferJobsAsync([new JobToDefer("tests.dsn", "dsn", "{}", 0, null, null, null)]))[0];
        var worker = await store.RegisterWorkerAsync();

        var fetched = await store.FetchJobsAsync(new FetchJobsParams(worker, ["dsn"]));

        Assert.Equal(id, Assert.Single(fetched).Id);
        await store.FinishJobsAsync([new JobCompletion(id, JobStatus.Succeeded, Delete: false)]);
    }

    private static async Task<string> ScalarAsync(PostgreSqlJobStore store, string sql)
    {
        await using var connection = await store.DataSource.OpenConnectionAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return (string)(await command.ExecuteScalarAsync())!;
    }
}
