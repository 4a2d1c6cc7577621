using Microsoft.Extensions.Logging;
using Procrastinate.PostgreSql.Tests.Infrastructure;

namespace Procrastinate.PostgreSql.Tests.WorkerIntegration;

/// <summary>Rows another producer (a Python process, a hand-written INSERT) put in the table that .NET cannot run.</summary>
public sealed class BadJobTests : PostgresTest
{
    public BadJobTests(DatabaseFixture database)
        : base(database)
    {
    }

    [Theory]
    [InlineData("python.module.unknown_task", """{"x": 1}""", "Task 'python.module.unknown_task' is not registered")]
    [InlineData("tests.write_alphabet", """{"letter": 5}""", "Argument 'letter' of task 'tests.write_alphabet' is invalid: expected a string")]
    [InlineData("tests.write_alphabet", """{}""", "Argument 'letter' of task 'tests.write_alphabet' is invalid: the key is required")]
    [InlineData("tests.write_alphabet", """["a"]""", "expected a JSON object keyed by parameter name, found an array")]
    public async Task RawRowTheWorkerCannotRun_FailsWithTheReasonLogged_AndTheWorkerGoesOn(string taskName, string args, string reason)
    {
        await using var harness = new WorkerHarness(Store);
        await harness.StartAsync();

        var bad = await InsertRawAsync(taskName, args);
        await harness.WaitForStatusAsync(bad, JobStatus.Failed);
        var good = await Work.Configure(app: harness.App).DeferAsync(1);
        await harness.WaitForStatusAsync(good, JobStatus.Succeeded);

        var outcome = Assert.Single(harness.Logs.Records, r => r.Message.StartsWith($"Job {taskName}[{bad}]", StringComparison.Ordinal));
        Assert.Equal(LogLevel.Error, outcome.Level);
        Assert.Contains("ended with status: Error", outcome.Message, StringComparison.Ordinal);
        Assert.Contains(reason, outcome.Exception?.Message, StringComparison.Ordinal);
        Assert.Equal(["deferred", "started", "failed"], await Database.EventsAsync(bad));
    }

    /// <summary>Inserts a job as Python's <c>procrastinate_defer_jobs_v1</c> would, bypassing every .NET check.</summary>
    private async Task<long> InsertRawAsync(string taskName, string args) =>
        await Database.ScalarAsync<long>(
            "INSERT INTO procrastinate_jobs (queue_name, task_name, args) VALUES ('default', $1, $2::jsonb) RETURNING id", taskName, args);
}
