using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Procrastinate.Generated;
using Procrastinate.PostgreSql;
using Procrastinate.PostgreSql.Tests.Infrastructure;
using Procrastinate.Storage;

namespace Procrastinate.Hosting.Tests;

public sealed class AddProcrastinateTests : IClassFixture<DatabaseFixture>
{
    private readonly DatabaseFixture _database;

    public AddProcrastinateTests(DatabaseFixture database)
    {
        _database = database;
    }

    [Fact]
    public void NoStoreSource_IsRejectedAtRegistration()
    {
        var error = Assert.Throws<ArgumentException>(() => new ServiceCollection().AddProcrastinate(_ => { }));

        Assert.Contains("none is set", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TwoStoreSources_AreRejectedAtRegistration_BothNamed()
    {
        var error = Assert.Throws<ArgumentException>(() => new ServiceCollection().AddProcrastinate(o =>
        {
            o.ConnectionString = "Host=localhost";
            o.UseDataSourceFromServices = true;
        }));

        Assert.Contains("ConnectionString and UseDataSourceFromServices", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AddProcrastinateTwice_IsRejected()
    {
        var services = new ServiceCollection().AddProcrastinate(o => o.ConnectionString = "Host=localhost");

        Assert.Throws<InvalidOperationException>(() => services.AddProcrastinate(o => o.ConnectionString = "Host=localhost"));
    }

    [Fact]
    public async Task UnknownConnectionStringName_NamesTheMissingKey()
    {
        await using var provider = Services(o => o.ConnectionStringName = "nowhere").BuildServiceProvider();

        var error = Assert.Throws<InvalidOperationException>(() => provider.GetRequiredService<ProcrastinateApp>());

        Assert.Contains("ConnectionStrings:nowhere", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DataSourceFromServices_IsUsed_AndLeftToItsOwner()
    {
        await using var dataSource = NpgsqlDataSource.Create(_database.ConnectionString);
        var services = Services(o => o.UseDataSourceFromServices = true).AddSingleton(dataSource);
        await using (var provider = services.BuildServiceProvider())
        {
            var store = Assert.IsType<PostgreSqlJobStore>(provider.GetRequiredService<ProcrastinateApp>().Store);
            Assert.Same(dataSource, store.DataSource);
            Assert.True(await store.IsSchemaPresentAsync());
        }

        await using var connection = await dataSource.OpenConnectionAsync();
    }

    [Fact]
    public async Task DataSourceFromServices_Missing_SaysSo()
    {
        await using var provider = Services(o => o.UseDataSourceFromServices = true).BuildServiceProvider();

        var error = Assert.Throws<InvalidOperationException>(() => provider.GetRequiredService<ProcrastinateApp>());

        Assert.Contains("no NpgsqlDataSource is registered", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StoreFactory_GivesTheStore_AndTasksAreRegistered()
    {
        var store = new PostgreSqlJobStore(_database.ConnectionString);
        await using var provider = Services(o =>
        {
            o.StoreFactory = _ => store;
            o.AddTasks(ProcrastinateHostingTestsTasks.All);
            o.SetAsDefault = false;
        }).BuildServiceProvider();

        var app = provider.GetRequiredService<ProcrastinateApp>();

        Assert.Same(store, app.Store);
        Assert.True(app.Tasks.TryGet("hosting_tests.greet", out _));
    }

    [Fact]
    public async Task StoreTraceContext_WithoutItsTable_FailsTracedDefers_WithTheFix()
    {
        // The class database has the schema only; the trace context table is created by HostedWorkerTests' own one.
        using var telemetry = new Telemetry();
        await using var provider = Services(o =>
        {
            o.ConnectionString = _database.ConnectionString;
            o.StoreTraceContext = true;
            o.AddTasks(ProcrastinateHostingTestsTasks.All);
            o.SetAsDefault = false;
        }).BuildServiceProvider();
        var app = provider.GetRequiredService<ProcrastinateApp>();

        var error = await Assert.ThrowsAsync<Procrastinate.Storage.SchemaUnusableException>(async () => await Greet.Configure(app: app).DeferAsync("x"));

        Assert.Contains("ApplyTraceContextTableAsync", error.Message, StringComparison.Ordinal);
        Assert.Empty(await app.Store.ListJobsAsync(new JobFilter { TaskName = "hosting_tests.greet" }));
    }

    private static ServiceCollection Services(Action<ProcrastinateHostingOptions> configure)
    {
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().Build());
        services.AddProcrastinate(configure);
        return services;
    }
}
