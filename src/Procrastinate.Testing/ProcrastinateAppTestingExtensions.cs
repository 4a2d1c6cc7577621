using Microsoft.Extensions.Time.Testing;
using Procrastinate.Testing.InMemory;

namespace Procrastinate.Testing;

/// <summary>Test helpers on <see cref="ProcrastinateApp"/>.</summary>
public static class ProcrastinateAppTestingExtensions
{
    /// <summary>
    /// Runs the app's real <see cref="Worker"/> with <see cref="WorkerOptions.Wait"/> set to false: every job that can
    /// run now is run (retries due now included), then the method returns how many jobs were run. With
    /// <paramref name="advanceTime"/>, when only jobs scheduled later are left, the clock jumps to the earliest of them
    /// and another round runs, until no waiting job is left in the worker's queues.
    /// </summary>
    /// <param name="app">The app, with its tasks registered.</param>
    /// <param name="advanceTime">
    /// Move the clock forward for scheduled jobs and retries. Needs an <see cref="InMemoryJobStore"/> and a
    /// <see cref="FakeTimeProvider"/> shared by the app and the store. A task retried forever keeps it going: pass a
    /// <paramref name="cancellationToken"/> then.
    /// </param>
    /// <param name="options">Worker options of each round (queues, concurrency, ...); signal handlers are off unless set.</param>
    /// <param name="cancellationToken">Stops the current round gracefully, then throws <see cref="OperationCanceledException"/>.</param>
    /// <exception cref="InvalidOperationException"><paramref name="advanceTime"/> without a movable clock shared by app and store.</exception>
    public static async Task<int> RunUntilIdleAsync(
        this ProcrastinateApp app,
        bool advanceTime = false,
        WorkerOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(app);
        var (store, clock) = advanceTime ? MovableClock(app) : (null, null);
        var roundOptions = (options ?? new WorkerOptions()) with
        {
            Wait = false,
            InstallSignalHandlers = options?.InstallSignalHandlers ?? false,
        };
        var ran = 0L;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var worker = new Worker(app, roundOptions);
            await worker.RunAsync(cancellationToken).ConfigureAwait(false);
            ran += worker.FetchedJobCount;
            cancellationToken.ThrowIfCancellationRequested();
            if (store?.NextScheduledAt(worker.Queues) is not { } next)
            {
                return checked((int)ran);
            }

            clock!.SetUtcNow(next);
        }
    }

    private static (InMemoryJobStore, FakeTimeProvider) MovableClock(ProcrastinateApp app)
    {
        if (app.Store is not InMemoryJobStore store)
        {
            throw new InvalidOperationException(
                $"Advancing time needs an {nameof(InMemoryJobStore)}; this app uses {app.Store.GetType().Name}, whose clock cannot be moved.");
        }

        if (app.TimeProvider is not FakeTimeProvider clock || !ReferenceEquals(store.TimeProvider, clock))
        {
            throw new InvalidOperationException(
                $"Advancing time needs one {nameof(FakeTimeProvider)} given to both the app (ProcrastinateAppOptions.TimeProvider) " +
                $"and the store (new {nameof(InMemoryJobStore)}(clock)).");
        }

        return (store, clock);
    }
}
