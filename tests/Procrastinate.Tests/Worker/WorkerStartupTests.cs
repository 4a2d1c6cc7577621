using Procrastinate.Storage;
using Procrastinate.Testing.InMemory;

namespace Procrastinate.Tests.Workers;

/// <summary>
/// Start-up runs registration, listening and the first stalled-job sweep at once, and fetches without waiting for the
/// listener; none of that may lose a job, a subscription or a sweep.
/// </summary>
public class WorkerStartupTests
{
    [Fact]
    public async Task FirstFetch_DoesNotWaitForTheListener_AndAJobDeferredBeforeListeningIsStillRun()
    {
        var store = new StartupStore(new InMemoryJobStore());
        var kit = new WorkerTestKit(store);
        var ran = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        kit.AddTask("ping", _ => ran.TrySetResult());
        var worker = kit.StartWorker(new WorkerOptions { FetchJobPollingInterval = TimeSpan.FromHours(1) }, out var run);

        // The listener is held back: the worker must fetch anyway.
        await store.Fetched.Task.WaitAsync(WorkerTestKit.WaitLimit);
        await worker.Started.WaitAsync(WorkerTestKit.WaitLimit);
        Assert.False(store.ListenReleased);

        // Deferred after that fetch and before LISTEN: its notification reaches nobody, and polling is an hour away.
        var id = await kit.DeferAsync("ping");
        store.ReleaseListen();

        await ran.Task.WaitAsync(WorkerTestKit.WaitLimit);
        await kit.WaitForStatusAsync(id, JobStatus.Succeeded);
        worker.Stop();
        await run.WaitAsync(WorkerTestKit.WaitLimit);
    }

    [Fact]
    public async Task AbortRequestedBeforeListening_OfAJobTheFirstFetchStarted_IsHeardOnceListening()
    {
        var store = new StartupStore(new InMemoryJobStore());
        var kit = new WorkerTestKit(store);
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        kit.AddTask("wait", async context =>
        {
            started.TrySetResult();
            await Task.Delay(Timeout.Infinite, context.CancellationToken);
            return null;
        });
        var id = await kit.DeferAsync("wait");
        var worker = kit.StartWorker(new WorkerOptions { AbortJobPollingInterval = TimeSpan.FromHours(1) }, out var run);
        await started.Task.WaitAsync(WorkerTestKit.WaitLimit);

        // The listener is held back, so this request's notification reaches nobody, and the abort poll is an hour away.
        Assert.True(await kit.App.Store.CancelJobAsync(id, abort: true));
        store.ReleaseListen();

        await kit.WaitForStatusAsync(id, JobStatus.Aborted);
        worker.Stop();
        await run.WaitAsync(WorkerTestKit.WaitLimit);
    }

    [Fact]
    public async Task JobDeferredOnceListening_IsRunWithoutWaitingForThePoll()
    {
        var store = new StartupStore(new InMemoryJobStore());
        store.ReleaseListen();
        var kit = new WorkerTestKit(store);
        var ran = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        kit.AddTask("ping", _ => ran.TrySetResult());
        var worker = kit.StartWorker(new WorkerOptions { FetchJobPollingInterval = TimeSpan.FromHours(1) }, out var run);
        await store.Listening.Task.WaitAsync(WorkerTestKit.WaitLimit);
        await worker.Started.WaitAsync(WorkerTestKit.WaitLimit);
        var fetchesBefore = store.FetchCount;

        await kit.DeferAsync("ping");

        await ran.Task.WaitAsync(WorkerTestKit.WaitLimit);
        Assert.True(store.FetchCount > fetchesBefore);
        worker.Stop();
        await run.WaitAsync(WorkerTestKit.WaitLimit);
    }

    [Fact]
    public async Task StoppedBeforeRegistration_StopsTheListenerItStartedAlongside()
    {
        var store = new StartupStore(new InMemoryJobStore()) { FailRegistration = true };
        store.ReleaseListen();
        var kit = new WorkerTestKit(store);
        var worker = kit.StartWorker(null, out var run);
        await store.Listening.Task.WaitAsync(WorkerTestKit.WaitLimit);
        await Eventually.TrueAsync(() => Task.FromResult(store.RegistrationAttempts > 0), "a registration attempt");

        worker.Stop();
        await run.WaitAsync(WorkerTestKit.WaitLimit);

        Assert.True(store.SubscriptionDisposed);
        await Assert.ThrowsAsync<TaskCanceledException>(() => worker.Started);
    }

    [Fact]
    public async Task StoppedWhileTheListenerConnects_ReturnsWithoutWaitingForIt()
    {
        var store = new StartupStore(new InMemoryJobStore());
        var kit = new WorkerTestKit(store);
        var worker = kit.StartWorker(null, out var run);
        await worker.Started.WaitAsync(WorkerTestKit.WaitLimit);

        worker.Stop();

        // The held-back ListenAsync is cancelled by the stop; the worker logs no listen failure for it.
        await run.WaitAsync(WorkerTestKit.WaitLimit);
        Assert.DoesNotContain(kit.Logs.Records, r => r.Level >= Microsoft.Extensions.Logging.LogLevel.Warning);
    }

    [Fact]
    public async Task FirstSweepFails_TheSweepLoopSweepsAgainWithoutWaitingAnInterval()
    {
        var store = new StartupStore(new InMemoryJobStore()) { FailFirstSweep = true };
        store.ReleaseListen();
        var kit = new WorkerTestKit(store);
        var worker = kit.StartWorker(new WorkerOptions { StalledWorkerTimeout = TimeSpan.FromHours(2) }, out var run);

        await Eventually.TrueAsync(() => Task.FromResult(store.SweepCount >= 2), "a second stalled-job sweep");

        worker.Stop();
        await run.WaitAsync(WorkerTestKit.WaitLimit);
    }

    [Fact]
    public async Task FirstSweepSucceeds_TheNextWaitsForTheInterval()
    {
        var store = new StartupStore(new InMemoryJobStore());
        store.ReleaseListen();
        var kit = new WorkerTestKit(store);
        var worker = kit.StartWorker(new WorkerOptions { StalledWorkerTimeout = TimeSpan.FromHours(2) }, out var run);
        await worker.Started.WaitAsync(WorkerTestKit.WaitLimit);
        await Eventually.TrueAsync(() => Task.FromResult(store.SweepCount >= 1), "the start-up sweep");
        await Task.Delay(300);

        Assert.Equal(1, store.SweepCount);
        worker.Stop();
        await run.WaitAsync(WorkerTestKit.WaitLimit);
    }

    /// <summary>Holds <see cref="ListenAsync"/> until released; counts fetches and sweeps; can fail registration or the first sweep.</summary>
    private sealed class StartupStore(IJobStore inner) : DelegatingJobStore(inner)
    {
        private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _fetches;
        private int _sweeps;
        private int _registrations;
        private int _subscriptionDisposed;

        public TaskCompletionSource Fetched { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Listening { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public bool FailRegistration { get; init; }

        public bool FailFirstSweep { get; init; }

        public bool ListenReleased => _release.Task.IsCompleted;

        public int FetchCount => Volatile.Read(ref _fetches);

        public int SweepCount => Volatile.Read(ref _sweeps);

        public int RegistrationAttempts => Volatile.Read(ref _registrations);

        public bool SubscriptionDisposed => Volatile.Read(ref _subscriptionDisposed) == 1;

        public void ReleaseListen() => _release.TrySetResult();

        public override ValueTask<IReadOnlyList<Job>> FetchJobsAsync(FetchJobsParams parameters, CancellationToken cancellationToken = default)
        {
            Interlocked.Increment(ref _fetches);
            Fetched.TrySetResult();
            return base.FetchJobsAsync(parameters, cancellationToken);
        }

        public override ValueTask<long> RegisterWorkerAsync(CancellationToken cancellationToken = default)
        {
            Interlocked.Increment(ref _registrations);
            return FailRegistration
                ? ValueTask.FromException<long>(new InvalidOperationException("registration refused"))
                : base.RegisterWorkerAsync(cancellationToken);
        }

        public override ValueTask<IReadOnlyList<StalledJobRecovery>> RetryStalledJobsAsync(TimeSpan sinceHeartbeat, Func<Job, RetryJobParams?>? retry = null, CancellationToken cancellationToken = default)
        {
            return Interlocked.Increment(ref _sweeps) == 1 && FailFirstSweep
                ? ValueTask.FromException<IReadOnlyList<StalledJobRecovery>>(new InvalidOperationException("sweep failed"))
                : base.RetryStalledJobsAsync(sinceHeartbeat, retry, cancellationToken);
        }

        public override async ValueTask<IAsyncDisposable> ListenAsync(
            IReadOnlyList<string>? queues, Func<JobNotification, ValueTask> onNotification, CancellationToken cancellationToken = default)
        {
            await _release.Task.WaitAsync(cancellationToken);
            var subscription = await base.ListenAsync(queues, onNotification, cancellationToken);
            Listening.TrySetResult();
            return new TrackedSubscription(subscription, () => Interlocked.Exchange(ref _subscriptionDisposed, 1));
        }

        private sealed class TrackedSubscription(IAsyncDisposable inner, Action disposed) : IAsyncDisposable
        {
            public async ValueTask DisposeAsync()
            {
                disposed();
                await inner.DisposeAsync();
            }
        }
    }
}
