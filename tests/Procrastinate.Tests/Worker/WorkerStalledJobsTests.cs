using Procrastinate.Storage;

namespace Procrastinate.Tests.Workers;

public class WorkerStalledJobsTests
{
    [Fact]
    public async Task JobOfAGoneWorker_IsRunAgainExactlyOnce()
    {
        var kit = new WorkerTestKit();
        var runs = 0;
        kit.AddTask("t", _ => { Interlocked.Increment(ref runs); });
        var id = await kit.DeferAsync("t");
        await TakeWithDeadWorkerAsync(kit.Store, unregister: true);

        var first = kit.StartWorker(null, out var firstRun);
        var second = kit.StartWorker(null, out var secondRun);

        await kit.WaitForStatusAsync(id, JobStatus.Succeeded);
        first.Stop();
        second.Stop();
        await Task.WhenAll(firstRun, secondRun).WaitAsync(WorkerTestKit.WaitLimit);
        Assert.Equal(1, runs);
        var job = await kit.GetJobAsync(id);
        Assert.Equal(2, job.Attempts);
    }

    [Fact]
    public async Task JobOfASilentWorker_IsRecoveredAfterTheStalledTimeout()
    {
        var kit = new WorkerTestKit();
        kit.AddTask("t", _ => { });
        var id = await kit.DeferAsync("t");
        await TakeWithDeadWorkerAsync(kit.Store, unregister: false);

        var worker = kit.StartWorker(new WorkerOptions
        {
            UpdateHeartbeatInterval = TimeSpan.FromMilliseconds(200),
            StalledWorkerTimeout = TimeSpan.FromSeconds(1),
        }, out var run);

        await kit.WaitForStatusAsync(id, JobStatus.Succeeded);
        worker.Stop();
        await run.WaitAsync(WorkerTestKit.WaitLimit);
    }

    [Fact]
    public async Task RecoveryOff_LeavesTheJobRunning()
    {
        var kit = new WorkerTestKit();
        kit.AddTask("t", _ => { });
        var stalled = await kit.DeferAsync("t");
        await TakeWithDeadWorkerAsync(kit.Store, unregister: true);
        var other = await kit.DeferAsync("t");

        await kit.DrainAsync(new WorkerOptions { RecoverStalledJobs = false });

        Assert.Equal(JobStatus.Succeeded, await kit.StatusAsync(other));
        Assert.Equal(JobStatus.Doing, await kit.StatusAsync(stalled));
    }

    [Fact]
    public async Task LiveWorkersJobs_AreNeverTakenForStalled()
    {
        var kit = new WorkerTestKit();
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var runs = 0;
        kit.AddTask("long", async _ =>
        {
            Interlocked.Increment(ref runs);
            started.TrySetResult();
            await release.Task;
            return null;
        });
        var id = await kit.DeferAsync("long");
        var options = new WorkerOptions
        {
            UpdateHeartbeatInterval = TimeSpan.FromMilliseconds(100),
            StalledWorkerTimeout = TimeSpan.FromMilliseconds(500),
        };
        var running = kit.StartWorker(options, out var runningRun);
        await started.Task.WaitAsync(WorkerTestKit.WaitLimit);
        var sweeper = kit.StartWorker(options, out var sweeperRun);

        // Several sweeps (one a second) and stalled timeouts pass while the job runs.
        await Task.Delay(TimeSpan.FromSeconds(1.5));
        release.SetResult();

        await kit.WaitForStatusAsync(id, JobStatus.Succeeded);
        running.Stop();
        sweeper.Stop();
        await Task.WhenAll(runningRun, sweeperRun).WaitAsync(WorkerTestKit.WaitLimit);
        Assert.Equal(1, runs);
    }

    private static async Task TakeWithDeadWorkerAsync(IJobStore store, bool unregister)
    {
        var deadWorker = await store.RegisterWorkerAsync();
        var taken = await store.FetchJobsAsync(new FetchJobsParams(deadWorker, null, 1));
        Assert.Single(taken);
        if (unregister)
        {
            await store.UnregisterWorkerAsync(deadWorker);
        }
    }
}
