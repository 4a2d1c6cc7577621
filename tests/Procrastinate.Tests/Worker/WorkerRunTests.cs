using System.Collections.Concurrent;

namespace Procrastinate.Tests.Workers;

public class WorkerRunTests
{
    [Fact]
    public async Task ManyJobsWithConcurrency_NeverMoreThanConcurrencyAndEachRunsOnce()
    {
        const int concurrency = 3;
        var kit = new WorkerTestKit();
        var runs = new ConcurrentDictionary<long, int>();
        var current = 0;
        var max = 0;
        var allSlotsBusy = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        kit.AddTask("work", async context =>
        {
            runs.AddOrUpdate(context.Job.Id, 1, (_, n) => n + 1);
            var now = Interlocked.Increment(ref current);
            InterlockedMax(ref max, now);
            if (now == concurrency)
            {
                allSlotsBusy.TrySetResult();
            }

            // Hold the slot until the worker has filled every slot once, so the bound is really reached.
            await allSlotsBusy.Task.WaitAsync(WorkerTestKit.WaitLimit);
            await Task.Delay(5);
            Interlocked.Decrement(ref current);
            return null;
        });
        var ids = new List<long>();
        for (var i = 0; i < 20; i++)
        {
            ids.Add(await kit.DeferAsync("work"));
        }

        await kit.DrainAsync(new WorkerOptions { Concurrency = concurrency });

        Assert.Equal(concurrency, max);
        Assert.Equal(ids.Order(), runs.Keys.Order());
        Assert.All(runs.Values, count => Assert.Equal(1, count));
        foreach (var id in ids)
        {
            Assert.Equal(JobStatus.Succeeded, await kit.StatusAsync(id));
        }
    }

    [Fact]
    public async Task WaitFalse_RunsEveryJobThenStops()
    {
        var kit = new WorkerTestKit();
        var ran = 0;
        kit.AddTask("count", _ => { Interlocked.Increment(ref ran); });
        for (var i = 0; i < 5; i++)
        {
            await kit.DeferAsync("count");
        }

        await kit.DrainAsync();

        Assert.Equal(5, ran);
    }

    [Fact]
    public async Task JobDeferredWhileWaiting_IsRunWithoutWaitingForThePoll()
    {
        var kit = new WorkerTestKit();
        var ran = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        kit.AddTask("ping", _ => ran.TrySetResult());
        var worker = kit.StartWorker(new WorkerOptions { FetchJobPollingInterval = TimeSpan.FromHours(1) }, out var run);
        await worker.Started.WaitAsync(WorkerTestKit.WaitLimit);

        var id = await kit.DeferAsync("ping");

        await ran.Task.WaitAsync(WorkerTestKit.WaitLimit);
        await kit.WaitForStatusAsync(id, JobStatus.Succeeded);
        worker.Stop();
        await run.WaitAsync(WorkerTestKit.WaitLimit);
    }

    [Fact]
    public async Task UnknownTaskName_FailsThatJobAndGoesOn()
    {
        var kit = new WorkerTestKit();
        kit.AddTask("known", _ => { });
        var unknown = await kit.DeferAsync("unknown.task");
        var known = await kit.DeferAsync("known");

        await kit.DrainAsync();

        Assert.Equal(JobStatus.Failed, await kit.StatusAsync(unknown));
        Assert.Equal(JobStatus.Succeeded, await kit.StatusAsync(known));
        Assert.Contains(kit.Logs.Records, r => r.Message.Contains("unknown.task", StringComparison.Ordinal)
            && r.Message.Contains("not registered", StringComparison.Ordinal));
    }

    [Fact]
    public async Task UnreadableArgs_FailWithoutRetryAndGoesOn()
    {
        var kit = new WorkerTestKit();
        var runs = 0;
        kit.AddTask("typed", _ =>
        {
            Interlocked.Increment(ref runs);
            throw new TaskArgumentsException("typed", "n", "expected a number");
        }, new RetryStrategy(maxAttempts: 5));
        kit.AddTask("next", _ => { });
        var bad = await kit.DeferAsync("typed", """{"n":"x"}""");
        var next = await kit.DeferAsync("next");

        await kit.DrainAsync();

        Assert.Equal(1, runs);
        Assert.Equal(JobStatus.Failed, await kit.StatusAsync(bad));
        Assert.Equal(JobStatus.Succeeded, await kit.StatusAsync(next));
    }

    [Fact]
    public async Task TaskThrowsWithoutRetry_FailsWithReasonLoggedAndGoesOn()
    {
        var kit = new WorkerTestKit();
        kit.AddTask("boom", _ => throw new InvalidOperationException("kaboom"));
        kit.AddTask("next", _ => { });
        var boom = await kit.DeferAsync("boom");
        var next = await kit.DeferAsync("next");

        await kit.DrainAsync();

        Assert.Equal(JobStatus.Failed, await kit.StatusAsync(boom));
        Assert.Equal(1, (await kit.GetJobAsync(boom)).Attempts);
        Assert.Equal(JobStatus.Succeeded, await kit.StatusAsync(next));
        var line = Assert.Single(kit.Logs.Records, r => r.Message.StartsWith($"Job boom[{boom}]", StringComparison.Ordinal));
        Assert.Equal(Microsoft.Extensions.Logging.LogLevel.Error, line.Level);
        Assert.Contains("ended with status: Error, lasted", line.Message, StringComparison.Ordinal);
        Assert.Equal("kaboom", line.Exception?.Message);
    }

    [Fact]
    public async Task JobOutcome_IsOneLineWithStructuredJobFields()
    {
        var kit = new WorkerTestKit();
        kit.AddTask("hello", _ => { });
        var id = await kit.DeferAsync("hello", """{"a":1}""");

        await kit.DrainAsync();

        var line = Assert.Single(kit.Logs.Records, r => r.Message.Contains("ended with status", StringComparison.Ordinal));
        Assert.Equal("Procrastinate.Worker", line.Category);
        Assert.Matches($$"""^Job hello\[{{id}}\]\(\{"a": 1\}\) ended with status: Success, lasted \d+\.\d{3} s$""", line.Message);
        Assert.Contains(line.State, f => f.Key == "Outcome" && (string?)f.Value == "Success");
        Assert.Contains(line.State, f => f.Key == "DurationSeconds");
        var scope = Assert.IsAssignableFrom<IReadOnlyList<KeyValuePair<string, object?>>>(line.Scope);
        Assert.Contains(scope, f => f.Key == "JobId" && (long?)f.Value == id);
        Assert.Contains(scope, f => f.Key == "TaskName" && (string?)f.Value == "hello");
        Assert.Contains(scope, f => f.Key == "Queue" && (string?)f.Value == "default");
        Assert.Contains(scope, f => f.Key == "Attempts" && (int?)f.Value == 0);
    }

    [Theory]
    [InlineData(DeleteJobsCondition.Never, false, false)]
    [InlineData(DeleteJobsCondition.Successful, true, false)]
    [InlineData(DeleteJobsCondition.Always, true, true)]
    public async Task DeleteJobs_DeletesTheFinishedJobsItNames(DeleteJobsCondition condition, bool succeededDeleted, bool failedDeleted)
    {
        var kit = new WorkerTestKit();
        kit.AddTask("ok", _ => { });
        kit.AddTask("ko", _ => throw new InvalidOperationException());
        var ok = await kit.DeferAsync("ok");
        var ko = await kit.DeferAsync("ko");

        await kit.DrainAsync(new WorkerOptions { DeleteJobs = condition });

        Assert.Equal(succeededDeleted ? null : JobStatus.Succeeded, await kit.StatusAsync(ok));
        Assert.Equal(failedDeleted ? null : JobStatus.Failed, await kit.StatusAsync(ko));
    }

    [Fact]
    public async Task Context_CarriesWorkerAndAdditionalContext()
    {
        var kit = new WorkerTestKit();
        JobContext? seen = null;
        kit.AddTask("look", context => { seen = context; });
        await kit.DeferAsync("look");

        await kit.DrainAsync(new WorkerOptions
        {
            Name = "w1",
            Queues = ["default"],
            AdditionalContext = new Dictionary<string, object?> { ["db"] = "conn" },
        });

        Assert.NotNull(seen);
        Assert.Equal("w1", seen.WorkerName);
        Assert.Equal(["default"], seen.WorkerQueues);
        Assert.Equal("conn", seen.AdditionalContext["db"]);
        Assert.NotNull(seen.Worker);
        Assert.Same(kit.Tasks.Get("look"), seen.Task);
        Assert.Null(seen.AbortReason);
    }

    [Fact]
    public async Task Queues_OnlyThoseQueuesAreWorked()
    {
        var kit = new WorkerTestKit();
        kit.AddTask("t", _ => { });
        var mine = await kit.DeferAsync("t", options: new DeferOptions { Queue = "mine" });
        var other = await kit.DeferAsync("t", options: new DeferOptions { Queue = "other" });

        await kit.DrainAsync(new WorkerOptions { Queues = ["mine"] });

        Assert.Equal(JobStatus.Succeeded, await kit.StatusAsync(mine));
        Assert.Equal(JobStatus.Todo, await kit.StatusAsync(other));
    }

    [Fact]
    public async Task CancellingTheToken_StopsGracefullyAndUnregisters()
    {
        var kit = new WorkerTestKit();
        using var cts = new CancellationTokenSource();
        var worker = new Worker(kit.App, WorkerTestKit.FastOptions());
        var run = worker.RunAsync(cts.Token);
        var id = await worker.Started.WaitAsync(WorkerTestKit.WaitLimit);

        await cts.CancelAsync();
        await run.WaitAsync(WorkerTestKit.WaitLimit);

        Assert.True(worker.IsStopping);
        await Task.Delay(5);
        Assert.DoesNotContain(id, await kit.Store.PruneStalledWorkersAsync(TimeSpan.Zero));
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int seen;
        while ((seen = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, seen) != seen)
        {
        }
    }
}
