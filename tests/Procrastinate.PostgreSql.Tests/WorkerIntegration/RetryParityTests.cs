using Procrastinate.PostgreSql.Tests.Infrastructure;

namespace Procrastinate.PostgreSql.Tests.WorkerIntegration;

/// <summary>Retry settings behave as Procrastinate's on PostgreSQL: <c>RetryOn</c> alone has no limit; a factory-made strategy.</summary>
public sealed class RetryParityTests : PostgresTest
{
    private static readonly TimeSpan WaitLimit = TimeSpan.FromSeconds(30);

    public RetryParityTests(DatabaseFixture database)
        : base(database)
    {
    }

    [Fact]
    public async Task RetryOnAlone_RetriesTheListedExceptionUntilSuccess_AndFailsOtherExceptionsAtOnce()
    {
        var (app, worker, run) = Start();
        try
        {
            var key = Guid.NewGuid().ToString("N");
            RetryParityTasks.Failures[key] = (12, () => new TimeoutException());
            var retried = await RetryTimeouts.Configure(app: app).DeferAsync(key);
            var bug = Guid.NewGuid().ToString("N");
            RetryParityTasks.Failures[bug] = (1, () => new InvalidOperationException("a bug"));
            var failed = await RetryTimeouts.Configure(app: app).DeferAsync(bug);

            await WaitForStatusAsync(retried, JobStatus.Succeeded);
            await WaitForStatusAsync(failed, JobStatus.Failed);

            Assert.Equal(13, (await GetJobAsync(retried)).Attempts);
            Assert.Equal(1, (await GetJobAsync(failed)).Attempts);
        }
        finally
        {
            worker.Stop();
            await run.WaitAsync(WaitLimit);
        }
    }

    [Fact]
    public async Task StrategyFromAFactory_AppliesItsSettingsAndItsDecision()
    {
        var (app, worker, run) = Start();
        try
        {
            var key = Guid.NewGuid().ToString("N");
            RetryParityTasks.Failures[key] = (10, () => new IOException("down"));
            var id = await RetryFromFactory.Configure(app: app).DeferAsync(key);

            await WaitForStatusAsync(id, JobStatus.Failed);

            var job = await GetJobAsync(id);
            Assert.Equal((3, 2), (job.Attempts, job.Priority));
        }
        finally
        {
            worker.Stop();
            await run.WaitAsync(WaitLimit);
        }
    }

    private (ProcrastinateApp App, Worker Worker, Task Run) Start()
    {
        var app = new ProcrastinateApp(Store, new ProcrastinateAppOptions
        {
            Tasks = new TaskRegistry([RetryTimeouts.Definition, RetryFromFactory.Definition]),
        });
        var worker = new Worker(app, new WorkerOptions
        {
            FetchJobPollingInterval = TimeSpan.FromMilliseconds(200),
            InstallSignalHandlers = false,
        });
        return (app, worker, worker.RunAsync());
    }

    private Task WaitForStatusAsync(long id, JobStatus status) =>
        Eventually.TrueAsync(async () => await Store.GetJobStatusAsync(id) == status, $"job {id} to be {status}", WaitLimit);
}
