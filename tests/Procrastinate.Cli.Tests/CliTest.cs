using Procrastinate.PostgreSql.Tests.Infrastructure;
using Procrastinate.Storage;

namespace Procrastinate.Cli.Tests;

/// <summary>A test class on its own database holding the schema; every test starts with empty tables.</summary>
public abstract class CliTest : IClassFixture<DatabaseFixture>, IAsyncLifetime
{
    protected CliTest(DatabaseFixture database)
    {
        Database = database;
    }

    protected DatabaseFixture Database { get; }

    public Task InitializeAsync() => Database.ResetAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    protected Task<CliResult> RunAsync(params string[] args) => CliRunner.RunAsync(Database.ConnectionString, args);

    protected async Task<Job> GetJobAsync(long id) =>
        Assert.Single(await Database.Store.ListJobsAsync(new JobFilter { Id = id }));

    protected async Task<IReadOnlyList<Job>> JobsAsync() => await Database.Store.ListJobsAsync(JobFilter.All);

    protected static long IdOf(CliResult result)
    {
        var line = Assert.Single(result.OutLines);
        Assert.StartsWith("#", line);
        return long.Parse(line[1..line.IndexOf(' ', StringComparison.Ordinal)], System.Globalization.CultureInfo.InvariantCulture);
    }
}
