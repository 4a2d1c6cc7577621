using Procrastinate.Generated;
using Procrastinate.PostgreSql;
using Procrastinate.Testing.PostgreSql;
using Procrastinate.Testing.Tests.Sample;

namespace Procrastinate.Testing.Tests;

/// <summary>The integration test of docs/testing.md: the same application code on a real, throwaway PostgreSQL.</summary>
public sealed class PostgresIntegrationTests : IAsyncLifetime
{
    private PostgresServer _server = null!;
    private string _database = null!;
    private PostgreSqlJobStore _store = null!;

    public async Task InitializeAsync()
    {
        // A throwaway local cluster (or PROCRASTINATE_TEST_DSN's server), shared by the test run; a fresh database each.
        _server = await PostgresServer.GetSharedAsync();
        var connectionString = await _server.CreateDatabaseAsync();
        _database = new Npgsql.NpgsqlConnectionStringBuilder(connectionString).Database!;
        _store = new PostgreSqlJobStore(connectionString);
        await _store.ApplySchemaAsync();
    }

    public async Task DisposeAsync()
    {
        await _store.DisposeAsync();
        await _server.DropDatabaseAsync(_database);
    }

    [Fact]
    public async Task SpelledWord_IsWrittenByAWorker()
    {
        var app = new ProcrastinateApp(_store, new ProcrastinateAppOptions
        {
            Tasks = new TaskRegistry(ProcrastinateTestingTestsTasks.All),
        });
        var book = Guid.NewGuid().ToString("N");

        await new AlphabetService(app).SpellAsync("pg", book);
        var ran = await app.RunUntilIdleAsync();

        Assert.Equal(2, ran);
        Assert.Equal(["p", "g"], AlphabetTasks.Written[book]);
        var jobs = await _store.ListJobsAsync(new Storage.JobFilter { TaskName = WriteAlphabet.Name });
        Assert.All(jobs, job => Assert.Equal(JobStatus.Succeeded, job.Status));
    }
}
