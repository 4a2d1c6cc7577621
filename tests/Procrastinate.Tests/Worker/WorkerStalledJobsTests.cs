using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using Procrastinate.Storage;
using Procrastinate.Testing.InMemory;

namespace Procrastinate.Tests.Workers;

public class WorkerStalledJobsTests
{
    [Fact]
    public async Task JobOfAGoneWorker_IsRunAgainExactlyOnce()
    {
        var kit = new WorkerTestKit();
        var runs = 0;
        kit.AddTask("t", _ => { Interlocked.Increment(ref runs); }, new RetryStrategy(maxAttempts: 1));
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
        kit.AddTask("t", _ => { }, new RetryStrategy(maxAttempts: 1));
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
    public async Task LostRuns_CountAsAttempts_AndTheJobFailsOnceItsStrategyAllowsNoMore()
    {
        var kit = new WorkerTestKit();
        var runs = 0;
        kit.AddTask("t", _ => { Interlocked.Increment(ref runs); }, new RetryStrategy(maxAttempts: 2));
        kit.AddTask("no_retry", _ => { Interlocked.Increment(ref runs); });
        var id = await kit.DeferAsync("t");
        var noRetry = await kit.DeferAsync("no_retry");

        // Three runs of "t" lose their worker, as a task that kills its process does; the first run of "no_retry" too.
        // The worker that recovers them works another queue, so it never runs them itself.
        for (var lost = 0; lost < 3; lost++)
        {
            await TakeWithDeadWorkerAsync(kit.Store, unregister: true, limit: lost == 0 ? 2 : 1);
            await kit.DrainAsync(new WorkerOptions { Queues = ["elsewhere"] });
        }

        Assert.Equal(0, runs);
        var job = await kit.GetJobAsync(id);
        Assert.Equal((JobStatus.Failed, 3), (job.Status, job.Attempts));
        Assert.Equal((JobStatus.Failed, 1), ((await kit.GetJobAsync(noRetry)).Status, (await kit.GetJobAsync(noRetry)).Attempts));
        var lines = kit.Logs.Records.Where(r => r.Message.Contains("lost its worker", StringComparison.Ordinal)).ToList();
        Assert.Equal(
            [(LogLevel.Warning, id, 1), (LogLevel.Error, noRetry, 1), (LogLevel.Warning, id, 2), (LogLevel.Error, id, 3)],
            lines.Select(r => (r.Level, JobId(r), Attempt(r))));
        Assert.EndsWith("Error, to retry", lines[0].Message, StringComparison.Ordinal);
        Assert.Contains("Error: no attempt left", lines[3].Message, StringComparison.Ordinal);

        static long JobId(CapturingLoggerFactory.LogRecord record) =>
            long.Parse(record.Message.Split('[', ']')[1], System.Globalization.CultureInfo.InvariantCulture);

        static int Attempt(CapturingLoggerFactory.LogRecord record) =>
            (int)record.State.Single(kv => kv.Key == "Attempt").Value!;
    }

    [Fact]
    public async Task ALostRunOfATaskThisWorkerDoesNotKnow_FailsTheJob_InsteadOfRequeueingItForever()
    {
        var kit = new WorkerTestKit();
        kit.AddTask("known", _ => { }, new RetryStrategy(maxAttempts: 5));
        var unknown = await kit.DeferAsync("python_app.tasks.sum");
        var known = await kit.DeferAsync("known");
        await TakeWithDeadWorkerAsync(kit.Store, unregister: true, limit: 2);

        await kit.DrainAsync(new WorkerOptions { Queues = ["elsewhere"] });

        // The unknown task has no retry strategy here: its lost run is its last. The known one is retried by its own.
        var job = await kit.GetJobAsync(unknown);
        Assert.Equal((JobStatus.Failed, 1), (job.Status, job.Attempts));
        Assert.Equal((JobStatus.Todo, 1), ((await kit.GetJobAsync(known)).Status, (await kit.GetJobAsync(known)).Attempts));
        var line = Assert.Single(kit.Logs.Records, r => r.Message.Contains("lost its worker", StringComparison.Ordinal) && r.Message.Contains($"[{unknown}]", StringComparison.Ordinal));
        Assert.Equal(LogLevel.Error, line.Level);
        Assert.EndsWith("Error: its task is unknown to this worker, so it has no retry", line.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ALostRun_IsWhatTheStrategyIsAskedAbout()
    {
        var kit = new WorkerTestKit();
        var strategy = new RecordingStrategy();
        kit.AddTask("t", _ => { }, strategy);
        var id = await kit.DeferAsync("t");
        await TakeWithDeadWorkerAsync(kit.Store, unregister: true);

        await kit.DrainAsync(new WorkerOptions { Queues = ["elsewhere"] });

        var (exception, job) = Assert.Single(strategy.Asked);
        var lost = Assert.IsType<WorkerLostException>(exception);
        Assert.Equal((id, (long?)null), (lost.JobId, lost.WorkerId)); // It had unregistered: its id left the job.
        Assert.Equal((id, 0, JobStatus.Doing), (job.Id, job.Attempts, job.Status));
        Assert.Equal((JobStatus.Failed, 1), ((await kit.GetJobAsync(id)).Status, (await kit.GetJobAsync(id)).Attempts));
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
        // Fake time, moved on only once every worker recorded the heartbeat due: the workers are live by construction,
        // however late a loaded machine runs their loops (on real time, a heartbeat late by 0.8 s fenced the worker).
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 6, 12, 0, 0, TimeSpan.Zero));
        var kit = new WorkerTestKit(time: time);
        var store = (InMemoryJobStore)kit.Store;
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
            StalledWorkerTimeout = TimeSpan.FromMilliseconds(1500),
        };
        var running = kit.StartWorker(options, out var runningRun);
        await started.Task.WaitAsync(WorkerTestKit.WaitLimit);
        var sweeper = kit.StartWorker(options, out var sweeperRun);
        await Eventually.TrueAsync(() => store.GetWorkers().Count == 2, "both workers to register");

        // 3.5 s in steps of 50 ms: three sweeps (one a second) and two stalled timeouts pass while the job runs. A
        // heartbeat is due every 90 to 110 ms, so after each step none is older than 160 ms once the due ones ran.
        var step = TimeSpan.FromMilliseconds(50);
        for (var elapsed = TimeSpan.Zero; elapsed < TimeSpan.FromSeconds(3.5); elapsed += step)
        {
            time.Advance(step);
            var now = time.GetUtcNow();
            await Eventually.TrueAsync(
                () => store.GetWorkers().All(w => now - w.LastHeartbeat <= TimeSpan.FromMilliseconds(160)),
                $"every worker's heartbeat at {elapsed + step}");
        }

        Assert.Equal(2, store.GetWorkers().Count);
        release.SetResult();
        await kit.WaitForStatusAsync(id, JobStatus.Succeeded);
        running.Stop();
        sweeper.Stop();
        await Task.WhenAll(runningRun, sweeperRun).WaitAsync(WorkerTestKit.WaitLimit);
        Assert.Equal(1, runs);
        Assert.DoesNotContain(kit.Logs.Records, r => r.Level >= LogLevel.Warning);
    }

    private static async Task<long> TakeWithDeadWorkerAsync(IJobStore store, bool unregister, int limit = 1)
    {
        var deadWorker = await store.RegisterWorkerAsync();
        var taken = await store.FetchJobsAsync(new FetchJobsParams(deadWorker, null, limit));
        Assert.Equal(limit, taken.Count);
        if (unregister)
        {
            await store.UnregisterWorkerAsync(deadWorker);
        }

        return deadWorker;
    }

    /// <summary>Records what it is asked, and never retries.</summary>
    private sealed class RecordingStrategy : IRetryStrategy
    {
        public List<(Exception Exception, Job Job)> Asked { get; } = [];

        public RetryDecision? GetRetryDecision(Exception exception, Job job)
        {
            Asked.Add((exception, job));
            return null;
        }
    }
}
