using Npgsql;
using Procrastinate.PostgreSql;

namespace Procrastinate.Docs.Tests;

/// <summary>The code of docs/connecting.md, run against the throwaway PostgreSQL server.</summary>
public class ConnectingTests : PostgresDatabase
{
    [Fact]
    public async Task Dsn_NamesTheServer()
    {
        await using var store = new PostgreSqlJobStore("Host=db.internal;Port=5432;Database=shop;Username=shop_worker");

        var builder = new NpgsqlConnectionStringBuilder(store.DataSource.ConnectionString);
        Assert.Equal(("db.internal", "shop", "shop_worker"), (builder.Host, builder.Database, builder.Username));
    }

    [Fact]
    public async Task PgVariables_AreReadWhenTheDsnLeavesThemOut()
    {
        var server = new NpgsqlConnectionStringBuilder(ConnectionString);
        var variables = new Dictionary<string, string?>
        {
            ["PGHOST"] = server.Host,
            ["PGPORT"] = server.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["PGDATABASE"] = server.Database,
            ["PGUSER"] = server.Username,
        };
        var saved = variables.Keys.ToDictionary(name => name, Environment.GetEnvironmentVariable);
        try
        {
            foreach (var (name, value) in variables)
            {
                Environment.SetEnvironmentVariable(name, value);
            }

            // Everything from PGHOST, PGPORT, PGDATABASE, PGUSER, PGPASSWORD / .pgpass:
            await using var store = new PostgreSqlJobStore(new PostgreSqlJobStoreOptions());

            Assert.False(await store.Schema.IsAppliedAsync());
        }
        finally
        {
            foreach (var (name, value) in saved)
            {
                Environment.SetEnvironmentVariable(name, value);
            }
        }
    }

    [Fact]
    public async Task ExistingDataSource_IsUsedAndNotDisposed()
    {
        var connectionString = ConnectionString;

        var builder = new NpgsqlDataSourceBuilder(connectionString);
        await using var dataSource = builder.Build();
        await using (var store = new PostgreSqlJobStore(dataSource))
        {
            await store.ApplySchemaAsync();
        }

        await using var connection = await dataSource.OpenConnectionAsync();
        await using var count = new NpgsqlCommand("SELECT count(*) FROM procrastinate_jobs", connection);
        Assert.Equal(0L, await count.ExecuteScalarAsync());
    }

    [Fact]
    public async Task SchemaPerApplication_KeepsQueuesApart()
    {
        var connectionString = ConnectionString;

        await using var billing = new PostgreSqlJobStore(connectionString, schema: "billing");
        await using var shipping = new PostgreSqlJobStore(connectionString, schema: "shipping");
        await billing.ApplySchemaAsync();
        await shipping.ApplySchemaAsync();

        var app = new ProcrastinateApp(billing);
        await app.DeferByNameAsync("billing.charge", "{}", allowUnknown: true);
        Assert.Single(await billing.ListJobsAsync(Storage.JobFilter.All));
        Assert.Empty(await shipping.ListJobsAsync(Storage.JobFilter.All));
    }

    [Fact]
    public async Task Schema_IsAppliedOnceAndChecked()
    {
        await using var store = new PostgreSqlJobStore(ConnectionString);

        if (!await store.Schema.IsAppliedAsync())
        {
            await store.ApplySchemaAsync();
        }

        var check = await store.Schema.CheckSchemaAsync();
        foreach (var difference in check.Differences)
        {
            Console.Error.WriteLine(difference);
        }

        Assert.True(check.IsValid);
        await Assert.ThrowsAsync<ProcrastinateException>(() => store.ApplySchemaAsync());
    }

    [Fact]
    public async Task SchemaSql_AndMigrations_AreEmbedded()
    {
        await File.WriteAllTextAsync(Path.Combine(Path.GetTempPath(), "procrastinate-schema.sql"), PostgreSqlSchemaManager.GetSchemaSql());
        foreach (var migration in PostgreSqlSchemaManager.GetMigrations())
        {
            Console.WriteLine($"{migration.Number:000} {migration.Phase}: {migration.Description}");
        }

        Assert.Contains("CREATE TABLE procrastinate_jobs", PostgreSqlSchemaManager.GetSchemaSql(), StringComparison.Ordinal);
    }
}
