using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Procrastinate.PostgreSql.Tests.Infrastructure;

namespace Procrastinate.PostgreSql.Tests.WorkerIntegration;

/// <summary>The examples of docs/workers.md, run against PostgreSQL.</summary>
public sealed class RecipeTests : PostgresTest
{
    public RecipeTests(DatabaseFixture database)
        : base(database)
    {
    }

    [Fact]
    public async Task Greet_SeesItsJobAttemptAndWorker_AndSucceedsOnItsRetry()
    {
        await using var harness = new WorkerHarness(Store);
        var greetings = new ConcurrentQueue<string>();
        await harness.StartAsync(new WorkerOptions
        {
            Name = "greeter",
            AdditionalContext = new Dictionary<string, object?> { [RecipeTasks.GreetingsKey] = greetings },
        });

        var id = await Greet.Configure(app: harness.App).DeferAsync("Ada");

        await harness.WaitForStatusAsync(id, JobStatus.Succeeded);
        Assert.Equal([$"Ada: job {id}, attempt 1, worker greeter", $"Ada: job {id}, attempt 2, worker greeter"], greetings);
    }

    [Fact]
    public async Task StopWorkerOn_StopsTheWorker_AndTheJobStillFails()
    {
        await using var harness = new WorkerHarness(Store);
        harness.Probe.Body = (context, _) => context.Job.Id == 1 ? throw new InsufficientExecutionStackException() : Task.CompletedTask;
        var logger = harness.Logs.CreateLogger("recipes");
        var (worker, run) = await harness.StartAsync(new WorkerOptions { Middleware = [RecipeTasks.StopWorkerOn<InsufficientExecutionStackException>(logger)] });

        var fatal = await Work.Configure(app: harness.App).DeferAsync(1);
        await run.WaitAsync(WorkerHarness.WaitLimit);
        var later = await Work.Configure(app: harness.App).DeferAsync(2);

        Assert.True(worker.IsStopping);
        Assert.Equal(JobStatus.Failed, await harness.StatusAsync(fatal));
        Assert.Equal(JobStatus.Todo, await harness.StatusAsync(later));
        Assert.Contains(harness.Messages(LogLevel.Critical), m => m.StartsWith($"Job {fatal} hit a fatal error; stopping worker worker", StringComparison.Ordinal));
    }
}
