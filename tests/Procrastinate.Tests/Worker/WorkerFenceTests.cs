using Procrastinate.Storage;
using Procrastinate.Testing.InMemory;

namespace Procrastinate.Tests.Workers;

/// <summary>The heartbeat fence (issue 18, item 3); the run against a stopped PostgreSQL is HeartbeatFenceTests.</summary>
public class WorkerFenceTests
{
    [Fact]
    public async Task AWorkerThatCannotRecordItsHeartbeat_AbortsItsRuns_AndTheirJobsRunAgainOnceItIsBack()
    {
        var inner = new InMemoryJobStore();
        var store = new FlakyJobStore(inner);
        var kit = new WorkerTestKit(store);
        var runs = 0;
        var aborted = new TaskCompletionSource<AbortReason?>(TaskCreationOptions.RunContinuationsAsynchronously);
        kit.AddTask("long", async context =>
        {
            if (Interlocked.Increment(ref runs) == 1)
            {
                try
                {
                    await Task.Delay(Timeout.Infinite, context.CancellationToken);
                }
                catch (OperationCanceledException)
                {
                    aborted.TrySetResult(context.AbortReason);
                    throw;
                }
            }

            return null;
        }, new RetryStrategy(maxAttempts: 1));
        var id = await kit.DeferAsync("long");
        var worker = kit.StartWorker(new WorkerOptions
        {
            UpdateHeartbeatInterval = TimeSpan.FromMilliseconds(100),
            StalledWorkerTimeout = TimeSpan.FromSeconds(1),
        }, out var run);
        var firstId = await worker.Started.WaitAsync(WorkerTestKit.WaitLimit);
        await Eventually.TrueAsync(() => Volatile.Read(ref runs) == 1, "the first run");

        store.Down = true;
        Assert.Equal(AbortReason.HeartbeatLost, await aborted.Task.WaitAsync(WorkerTestKit.WaitLimit));
        await Eventually.TrueAsync(() => worker.RunningJobCount == 0, "the aborted run to end");

        // The aborted run records nothing: the job stays running under the fenced worker, whose fetches stop.
        var fenced = Assert.Single(await inner.ListJobsAsync(new JobFilter { Id = id }));
        Assert.Equal((JobStatus.Doing, (long?)firstId, 0), (fenced.Status, fenced.WorkerId, fenced.Attempts));

        store.Down = false;
        await kit.WaitForStatusAsync(id, JobStatus.Succeeded);

        // Back, it enrolled as a new worker; its old id went, and stalled-job recovery counted the lost run.
        Assert.Equal(2, Volatile.Read(ref runs));
        var job = await kit.GetJobAsync(id);
        Assert.Equal(2, job.Attempts);
        Assert.NotEqual(firstId, worker.Id);
        Assert.Contains(kit.Logs.Records, r => r.Message.Contains("fencing this worker", StringComparison.Ordinal));
        Assert.Contains(kit.Logs.Records, r => r.Message.StartsWith($"Heartbeats are recorded again: worker {firstId} unregistered", StringComparison.Ordinal));

        // Stalled-job recovery logs the lost run after its store call, which another fetch can overtake.
        await Eventually.TrueAsync(
            () => kit.Logs.Records.Any(r => r.Message.Contains("lost its worker", StringComparison.Ordinal)), "the lost run's log line");
        worker.Stop();
        await run.WaitAsync(WorkerTestKit.WaitLimit);
    }
}
