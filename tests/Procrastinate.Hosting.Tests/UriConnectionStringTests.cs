using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Procrastinate.PostgreSql.Tests.Infrastructure;
using Procrastinate.Storage;

namespace Procrastinate.Hosting.Tests;

/// <summary>AddProcrastinate takes a libpq URI wherever it takes a connection string.</summary>
public sealed class UriConnectionStringTests : IClassFixture<DatabaseFixture>
{
    private readonly DatabaseFixture _database;

    public UriConnectionStringTests(DatabaseFixture database)
    {
        _database = database;
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task UriAsConnectionString_OrInConfiguration_ReachesTheDatabase(bool fromConfiguration)
    {
        var uri = LibpqUri.From(_database.ConnectionString);
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["ConnectionStrings:Jobs"] = uri })
            .Build());
        services.AddProcrastinate(options =>
        {
            if (fromConfiguration)
            {
                options.ConnectionStringName = "Jobs";
            }
            else
            {
                options.ConnectionString = uri;
            }

            options.SetAsDefault = false;
        });
        await using var provider = services.BuildServiceProvider();

        var store = provider.GetRequiredService<IJobStore>();

        Assert.True(await store.IsSchemaPresentAsync());
    }
}
