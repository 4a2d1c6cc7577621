namespace Procrastinate.Tests.Workers;

public class WorkerShutdownTests
{
    [Theory]
    [InlineData(false, JobStatus.Aborted, 1)]
    [InlineData(true, JobStatus.Todo, 1)]
    public async Task GracefulTimeout_FastJobSucceedsSlowJobIsAbortedOrBackInTodo(
        bool retries, JobStatus slowStatus, int slowAttempts)
    {
        var kit = new WorkerTestKit();
        var slowStarted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var fastStarted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var releaseFast = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        AbortReason? slowReason = null;
        kit.AddTask("slow", async context =>
        {
            slowStarted.TrySetResult();
            try
            {
                await Task.Delay(Timeout.Infinite, context.CancellationToken);
            }
            finally
            {
                slowReason = context.AbortReason;
            }

            return null;
        }, retries ? new RetryStrategy(maxAttempts: 3, waitSeconds: 3600) : null);
        kit.AddTask("fast", async _ =>
        {
            fastStarted.TrySetResult();
            await releaseFast.Task;
            return null;
        });
        var slow = await kit.DeferAsync("slow");
        var fast = await kit.DeferAsync("fast");
        var worker = kit.StartWorker(new WorkerOptions
        {
            Concurrency = 2,
            ShutdownGracefulTimeout = TimeSpan.FromMilliseconds(300),
        }, out var run);
        await Task.WhenAll(slowStarted.Task, fastStarted.Task).WaitAsync(WorkerTestKit.WaitLimit);

        worker.Stop();
        releaseFast.SetResult();
        await run.WaitAsync(WorkerTestKit.WaitLimit);

        Assert.Equal(JobStatus.Succeeded, await kit.StatusAsync(fast));
        Assert.Equal(AbortReason.Shutdown, slowReason);
        var slowJob = await kit.GetJobAsync(slow);
        Assert.Equal(slowStatus, slowJob.Status);
        Assert.Equal(slowAttempts, slowJob.Attempts);
    }

    [Theory]
    [InlineData(false, JobStatus.Failed)]
    [InlineData(true, JobStatus.Todo)]
    public async Task JobIgnoringItsAbort_IsLeftAfterTheAbortTimeout_AndRecordedPerItsRetryStrategy(bool retries, JobStatus status)
    {
        var kit = new WorkerTestKit();
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        kit.AddTask("stubborn", async _ =>
        {
            started.TrySetResult();
            await release.Task; // Never looks at its token.
            return null;
        }, retries ? new RetryStrategy(maxAttempts: 3, waitSeconds: 3600) : null);
        var id = await kit.DeferAsync("stubborn");
        var worker = kit.StartWorker(new WorkerOptions
        {
            ShutdownGracefulTimeout = TimeSpan.FromMilliseconds(100),
            ShutdownAbortTimeout = TimeSpan.FromMilliseconds(100),
        }, out var run);
        await started.Task.WaitAsync(WorkerTestKit.WaitLimit);

        worker.Stop();
        await run.WaitAsync(WorkerTestKit.WaitLimit);

        Assert.Equal(1, worker.AbandonedJobCount);
        Assert.Equal(status, await kit.StatusAsync(id));
        Assert.Contains(kit.Logs.Records, r => r.Message.StartsWith("Gave up waiting for 1 aborted job(s)", StringComparison.Ordinal));
        Assert.Empty(await kit.Store.ListJobsAsync(new Storage.JobFilter { Status = JobStatus.Doing }));

        // The run that ends later records nothing: the job keeps the outcome the shutdown gave it.
        release.SetResult();
        await Eventually.TrueAsync(() => kit.Logs.Records.Count(r => r.Message.Contains("ended with status", StringComparison.Ordinal)) == 2, "the late run to end");
        Assert.Equal(status, await kit.StatusAsync(id));
    }

    [Fact]
    public async Task Abort_EndsTheRun_EvenWhenAJobIgnoresIt_AndALongAbortTimeout()
    {
        var kit = new WorkerTestKit();
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        kit.AddTask("stubborn", async _ =>
        {
            started.TrySetResult();
            await Task.Delay(Timeout.Infinite); // Never looks at its token.
            return null;
        });
        var id = await kit.DeferAsync("stubborn");
        var worker = kit.StartWorker(new WorkerOptions { ShutdownAbortTimeout = TimeSpan.FromHours(1) }, out var run);
        await started.Task.WaitAsync(WorkerTestKit.WaitLimit);

        worker.Stop();
        worker.Abort();
        await run.WaitAsync(WorkerTestKit.WaitLimit);

        Assert.Equal(1, worker.AbandonedJobCount);
        Assert.Equal(JobStatus.Failed, await kit.StatusAsync(id));
    }

    [Fact]
    public async Task StopWithoutTimeout_WaitsForRunningJobs()
    {
        var kit = new WorkerTestKit();
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        kit.AddTask("job", async _ =>
        {
            started.TrySetResult();
            await release.Task;
            return null;
        });
        var id = await kit.DeferAsync("job");
        var worker = kit.StartWorker(null, out var run);
        await started.Task.WaitAsync(WorkerTestKit.WaitLimit);

        worker.Stop();
        await Task.Delay(100);
        Assert.False(run.IsCompleted);
        release.SetResult();
        await run.WaitAsync(WorkerTestKit.WaitLimit);

        Assert.Equal(JobStatus.Succeeded, await kit.StatusAsync(id));
    }

    [Fact]
    public async Task StopThenAbort_AbortsRunningJobsAtOnce()
    {
        var kit = new WorkerTestKit();
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        kit.AddTask("endless", async context =>
        {
            started.TrySetResult();
            await Task.Delay(Timeout.Infinite, context.CancellationToken);
            return null;
        });
        var id = await kit.DeferAsync("endless");
        var worker = kit.StartWorker(null, out var run);
        await started.Task.WaitAsync(WorkerTestKit.WaitLimit);

        worker.Stop();
        worker.Abort();
        await run.WaitAsync(WorkerTestKit.WaitLimit);

        Assert.Equal(JobStatus.Aborted, await kit.StatusAsync(id));
    }

    [Fact]
    public async Task StoppedWorker_FetchesNoMoreJobs()
    {
        var kit = new WorkerTestKit();
        kit.AddTask("t", _ => { });
        var worker = kit.StartWorker(null, out var run);
        await worker.Started.WaitAsync(WorkerTestKit.WaitLimit);
        worker.Stop();
        await run.WaitAsync(WorkerTestKit.WaitLimit);

        var id = await kit.DeferAsync("t");
        await Task.Delay(100);

        Assert.Equal(JobStatus.Todo, await kit.StatusAsync(id));
        Assert.Equal(0, worker.FetchedJobCount);
    }

    [Fact]
    public async Task RunAsyncTwice_Throws()
    {
        var kit = new WorkerTestKit();
        var worker = new Worker(kit.App, WorkerTestKit.FastOptions(new WorkerOptions { Wait = false }));
        await worker.RunAsync().WaitAsync(WorkerTestKit.WaitLimit);

        await Assert.ThrowsAsync<InvalidOperationException>(() => worker.RunAsync());
    }
}
