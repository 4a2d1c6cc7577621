namespace Procrastinate.Tests.Workers;

public class WorkerAbortTests
{
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task UserAbortOfRunningJob_EndsAbortedAndIsNotRetried(bool listenNotify)
    {
        var kit = new WorkerTestKit();
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        AbortReason? reason = null;
        var runs = 0;
        kit.AddTask("long", async context =>
        {
            Interlocked.Increment(ref runs);
            started.TrySetResult();
            try
            {
                await Task.Delay(Timeout.Infinite, context.CancellationToken);
            }
            finally
            {
                reason = context.AbortReason;
            }

            return null;
        }, new RetryStrategy(maxAttempts: 5));
        var id = await kit.DeferAsync("long");
        var worker = kit.StartWorker(new WorkerOptions { ListenNotify = listenNotify }, out var run);
        await started.Task.WaitAsync(WorkerTestKit.WaitLimit);

        Assert.True(await kit.Store.CancelJobAsync(id, abort: true));

        await kit.WaitForStatusAsync(id, JobStatus.Aborted);
        Assert.Equal(AbortReason.UserRequest, reason);
        worker.Stop();
        await run.WaitAsync(WorkerTestKit.WaitLimit);
        Assert.Equal(1, runs);
        Assert.Equal(JobStatus.Aborted, await kit.StatusAsync(id));
    }

    [Fact]
    public async Task SyncTaskPollingShouldAbort_EndsAbortedWhenItThrowsJobAborted()
    {
        var kit = new WorkerTestKit();
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        kit.AddTask("polling", context =>
        {
            started.TrySetResult();
            var deadline = DateTime.UtcNow + WorkerTestKit.WaitLimit;
            while (!context.ShouldAbort && DateTime.UtcNow < deadline)
            {
                Thread.Sleep(5);
            }

            throw new JobAbortedException();
        });
        var id = await kit.DeferAsync("polling");
        var worker = kit.StartWorker(null, out var run);
        await started.Task.WaitAsync(WorkerTestKit.WaitLimit);

        await kit.Store.CancelJobAsync(id, abort: true);

        await kit.WaitForStatusAsync(id, JobStatus.Aborted);
        worker.Stop();
        await run.WaitAsync(WorkerTestKit.WaitLimit);
    }

    [Fact]
    public async Task TaskOwnCancellation_IsAnErrorNotAnAbort()
    {
        var kit = new WorkerTestKit();
        kit.AddTask("timeout", _ => throw new OperationCanceledException("the task's own timeout"));
        var id = await kit.DeferAsync("timeout");

        await kit.DrainAsync();

        Assert.Equal(JobStatus.Failed, await kit.StatusAsync(id));
    }
}
