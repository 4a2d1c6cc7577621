using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using Procrastinate.Storage;

namespace Procrastinate.Tests.Workers;

/// <summary>The executor alone: one job taken from an in-memory store, run, and its outcome returned; no fetch loop.</summary>
public class JobExecutorTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 5, 9, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task Success_FinishesSucceeded()
    {
        var kit = new WorkerTestKit();
        kit.AddTask("ok", _ => { });

        var outcome = await RunAsync(kit, "ok");

        Assert.Equal(JobStatus.Succeeded, outcome.Finish!.Value.Status);
        Assert.False(outcome.Finish.Value.Delete);
        Assert.Null(outcome.Retry);
        Assert.Contains(kit.Logs.Records, r => r.Level == LogLevel.Information && r.Message.Contains("Success", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Failure_WithoutRetryStrategy_FinishesFailed()
    {
        var kit = new WorkerTestKit();
        kit.AddTask("boom", _ => throw new InvalidOperationException("boom"));

        var outcome = await RunAsync(kit, "boom");

        Assert.Equal(JobStatus.Failed, outcome.Finish!.Value.Status);
        Assert.Contains(kit.Logs.Records, r => r.Level == LogLevel.Error && r.Exception is InvalidOperationException);
    }

    [Fact]
    public async Task Failure_WithRetryStrategy_IsRetriedAtTheStrategysTime()
    {
        var time = new FakeTimeProvider(Now);
        var kit = new WorkerTestKit(time: time);
        kit.AddTask("flaky", _ => throw new IOException("down"), new RetryStrategy(maxAttempts: 1, waitSeconds: 7));

        var outcome = await RunAsync(kit, "flaky");

        Assert.Null(outcome.Finish);
        Assert.Equal(Now.AddSeconds(7), outcome.Retry!.RetryAt);
    }

    [Fact]
    public async Task RetryStrategyThatThrows_FailsTheJob_AndSaysWhy()
    {
        var kit = new WorkerTestKit();
        kit.AddTask("flaky", _ => throw new IOException("down"), new RetryStrategy(retryOn: _ => throw new FormatException("bad strategy")));

        var outcome = await RunAsync(kit, "flaky");

        Assert.Equal(JobStatus.Failed, outcome.Finish!.Value.Status);
        Assert.Contains(kit.Logs.Records, r => r.Exception is FormatException);
    }

    [Fact]
    public async Task UnknownTask_FailsEvenWithDeleteOnSuccess()
    {
        var kit = new WorkerTestKit();

        var outcome = await RunAsync(kit, "nobody", new WorkerOptions { DeleteJobs = DeleteJobsCondition.Successful });

        Assert.Equal(JobStatus.Failed, outcome.Finish!.Value.Status);
        Assert.False(outcome.Finish.Value.Delete);
        Assert.Contains(kit.Logs.Records, r => r.Message.Contains("nobody", StringComparison.Ordinal) && r.Level == LogLevel.Error);
    }

    [Theory]
    [InlineData(DeleteJobsCondition.Never, false)]
    [InlineData(DeleteJobsCondition.Successful, true)]
    [InlineData(DeleteJobsCondition.Always, true)]
    public async Task Success_DeletesPerTheOption(DeleteJobsCondition condition, bool delete)
    {
        var kit = new WorkerTestKit();
        kit.AddTask("ok", _ => { });

        var outcome = await RunAsync(kit, "ok", new WorkerOptions { DeleteJobs = condition });

        Assert.Equal(delete, outcome.Finish!.Value.Delete);
    }

    [Fact]
    public async Task UserAbort_FinishesAborted_EvenWithARetryStrategy()
    {
        var kit = new WorkerTestKit();
        kit.AddTask("long", async context =>
        {
            await Task.Delay(Timeout.Infinite, context.CancellationToken);
            return null;
        }, new RetryStrategy(maxAttempts: 5));

        var outcome = await RunAsync(kit, "long", abortWith: AbortReason.UserRequest);

        Assert.Equal(JobStatus.Aborted, outcome.Finish!.Value.Status);
    }

    [Fact]
    public async Task ShutdownAbort_IsRetried_WhenTheStrategyAllows()
    {
        var kit = new WorkerTestKit();
        kit.AddTask("long", async context =>
        {
            await Task.Delay(Timeout.Infinite, context.CancellationToken);
            return null;
        }, new RetryStrategy(maxAttempts: 5));

        var outcome = await RunAsync(kit, "long", abortWith: AbortReason.Shutdown);

        Assert.NotNull(outcome.Retry);
        Assert.Contains(kit.Logs.Records, r => r.Message.Contains("Aborted, to retry", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ShutdownAbort_WithoutStrategy_FinishesAborted()
    {
        var kit = new WorkerTestKit();
        kit.AddTask("long", async context =>
        {
            await Task.Delay(Timeout.Infinite, context.CancellationToken);
            return null;
        });

        var outcome = await RunAsync(kit, "long", abortWith: AbortReason.Shutdown);

        Assert.Equal(JobStatus.Aborted, outcome.Finish!.Value.Status);
    }

    [Fact]
    public async Task Middleware_WorkerWrapsTask_FirstIsOutermost_AndContextIsComplete()
    {
        var kit = new WorkerTestKit();
        var order = new List<string>();
        JobContext? seen = null;
        JobMiddleware Mark(string name) => async (context, next) =>
        {
            order.Add(name + " in");
            var result = await next();
            order.Add(name + " out");
            return result;
        };
        kit.AddTask("ok", context =>
        {
            seen = context;
            order.Add("task");
            return ValueTask.FromResult<object?>(null);
        }, middleware: [Mark("task1"), Mark("task2")]);

        var outcome = await RunAsync(kit, "ok", new WorkerOptions
        {
            Name = "w1",
            Queues = ["default"],
            Middleware = [Mark("worker1"), Mark("worker2")],
            AdditionalContext = new Dictionary<string, object?> { ["db"] = "conn" },
        });

        Assert.Equal(JobStatus.Succeeded, outcome.Finish!.Value.Status);
        Assert.Equal(
            ["worker1 in", "worker2 in", "task1 in", "task2 in", "task", "task2 out", "task1 out", "worker2 out", "worker1 out"],
            order);
        Assert.NotNull(seen);
        Assert.Null(seen.Worker);
        Assert.Equal("w1", seen.WorkerName);
        Assert.Equal(["default"], seen.WorkerQueues);
        Assert.Equal("conn", seen.AdditionalContext["db"]);
        Assert.Same(kit.Tasks.Get("ok"), seen.Task);
    }

    [Fact]
    public async Task MiddlewareThatSwallows_TurnsAFailureIntoASuccess()
    {
        var kit = new WorkerTestKit();
        kit.AddTask("boom", _ => throw new InvalidOperationException("boom"));
        JobMiddleware swallow = async (_, next) =>
        {
            try
            {
                return await next();
            }
            catch (InvalidOperationException)
            {
                return null;
            }
        };

        var outcome = await RunAsync(kit, "boom", new WorkerOptions { Middleware = [swallow] });

        Assert.Equal(JobStatus.Succeeded, outcome.Finish!.Value.Status);
    }

    [Fact]
    public async Task Run_IsInTheJobsLogScope()
    {
        var kit = new WorkerTestKit();
        kit.AddTask("ok", _ => { });

        await RunAsync(kit, "ok");

        var lines = kit.Logs.Records.Where(r => r.Category == "test").ToList();
        Assert.Equal(2, lines.Count);
        Assert.All(lines, r => Assert.IsType<JobLogScope>(r.Scope));
    }

    /// <summary>Defers a job of <paramref name="taskName"/>, takes it from the store and runs it on an executor.</summary>
    private static async Task<JobOutcome> RunAsync(
        WorkerTestKit kit, string taskName, WorkerOptions? options = null, AbortReason? abortWith = null)
    {
        var id = await kit.DeferAsync(taskName);
        var workerId = await kit.Store.RegisterWorkerAsync();
        var job = Assert.Single(await kit.Store.FetchJobsAsync(new FetchJobsParams(workerId, null, 1)));
        Assert.Equal(id, job.Id);
        var executor = new JobExecutor(
            kit.App, WorkerSettings.Resolve(options, kit.App.WorkerDefaults), kit.Logs.CreateLogger("test"), worker: null);
        using var running = new RunningJob(job);
        var run = executor.RunAsync(running, workerId);
        if (abortWith is { } reason)
        {
            running.Abort(reason);
        }

        var outcome = await run.WaitAsync(WorkerTestKit.WaitLimit);
        Assert.Equal(id, outcome.JobId);
        return outcome;
    }
}
