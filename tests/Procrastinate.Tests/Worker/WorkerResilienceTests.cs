using Procrastinate.Testing.InMemory;
namespace Procrastinate.Tests.Workers;

public class WorkerResilienceTests
{
    [Fact]
    public async Task StoreDownWhileJobsRun_OutcomesAreRecordedOnceItIsBack()
    {
        var store = new FlakyJobStore(new InMemoryJobStore());
        var kit = new WorkerTestKit(store);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var started = 0;
        kit.AddTask("ok", async _ =>
        {
            Interlocked.Increment(ref started);
            await release.Task;
            return null;
        });
        kit.AddTask("retry", async context =>
        {
            Interlocked.Increment(ref started);
            if (context.Job.Attempts == 0)
            {
                await release.Task;
                throw new IOException("try again");
            }

            return null;
        }, new RetryStrategy(maxAttempts: 1));
        var ok = await kit.DeferAsync("ok");
        var retried = await kit.DeferAsync("retry");
        var worker = kit.StartWorker(new WorkerOptions { Concurrency = 2 }, out var run);
        await Eventually.TrueAsync(() => Volatile.Read(ref started) == 2, "both jobs to start");

        store.Down = true;
        release.SetResult();
        await Eventually.TrueAsync(
            () => store.Failures(nameof(store.FinishJobsAsync)) >= 1 && store.Failures(nameof(store.RetryJobAsync)) >= 1,
            "the outcomes to fail to be recorded");
        Assert.Equal(JobStatus.Doing, await kit.StatusAsync(ok));
        store.Down = false;

        await kit.WaitForStatusAsync(ok, JobStatus.Succeeded);
        await kit.WaitForStatusAsync(retried, JobStatus.Succeeded);
        Assert.False(run.IsCompleted);
        worker.Stop();
        await run.WaitAsync(WorkerTestKit.WaitLimit);
    }

    [Fact]
    public async Task StoreFailingAtStartAndOnFetch_WorkerKeepsGoing()
    {
        var store = new FlakyJobStore(new InMemoryJobStore());
        store.FailNext(nameof(store.RegisterWorkerAsync), 1);
        store.FailNext(nameof(store.FetchJobsAsync), 2);
        var kit = new WorkerTestKit(store);
        kit.AddTask("t", _ => { });
        var id = await kit.DeferAsync("t");

        var worker = kit.StartWorker(null, out var run);

        await kit.WaitForStatusAsync(id, JobStatus.Succeeded);
        Assert.Equal(1, store.Failures(nameof(store.RegisterWorkerAsync)));
        Assert.Equal(2, store.Failures(nameof(store.FetchJobsAsync)));
        worker.Stop();
        await run.WaitAsync(WorkerTestKit.WaitLimit);
    }

    [Fact]
    public async Task SideLoopsFailing_NeverStopTheWorker()
    {
        var store = new FlakyJobStore(new InMemoryJobStore());
        store.FailNext(nameof(store.UpdateHeartbeatAsync), 3);
        store.FailNext(nameof(store.RetryStalledJobsAsync), 3);
        store.FailNext(nameof(store.ListJobsToAbortAsync), 3);
        var kit = new WorkerTestKit(store);
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        kit.AddTask("long", async context =>
        {
            started.TrySetResult();
            await Task.Delay(Timeout.Infinite, context.CancellationToken);
            return null;
        });
        var id = await kit.DeferAsync("long");
        var worker = kit.StartWorker(new WorkerOptions
        {
            ListenNotify = false,
            UpdateHeartbeatInterval = TimeSpan.FromMilliseconds(50),
            StalledWorkerTimeout = TimeSpan.FromSeconds(30),
        }, out var run);
        await started.Task.WaitAsync(WorkerTestKit.WaitLimit);
        await Eventually.TrueAsync(() => store.Failures(nameof(store.ListJobsToAbortAsync)) == 3, "the abort poller to fail");

        // The abort poller still works after its failures: the abort is seen without a notification.
        await kit.Store.CancelJobAsync(id, abort: true);

        await kit.WaitForStatusAsync(id, JobStatus.Aborted);
        Assert.False(run.IsCompleted);
        Assert.Equal(3, store.Failures(nameof(store.UpdateHeartbeatAsync)));
        worker.Stop();
        await run.WaitAsync(WorkerTestKit.WaitLimit);
    }
}
