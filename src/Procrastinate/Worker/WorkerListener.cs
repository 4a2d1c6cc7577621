using Microsoft.Extensions.Logging;
using Procrastinate.Storage;

namespace Procrastinate;

/// <summary>
/// A worker's LISTEN side: a deferred job wakes the fetch loop, a requested abort reaches the running job, and after a
/// reconnect the fetch loop looks for new jobs and aborts at once. Without it the worker polls.
/// </summary>
internal sealed class WorkerListener
{
    private readonly IJobStore _store;
    private readonly WorkerSettings _settings;
    private readonly ILogger _logger;
    private readonly RunningJobs _running;
    private readonly WakeSignal _fetchSignal;
    private readonly WorkerMaintenance _maintenance;

    public WorkerListener(
        IJobStore store,
        WorkerSettings settings,
        ILogger logger,
        RunningJobs running,
        WakeSignal fetchSignal,
        WorkerMaintenance maintenance)
    {
        _store = store;
        _settings = settings;
        _logger = logger;
        _running = running;
        _fetchSignal = fetchSignal;
        _maintenance = maintenance;
    }

    /// <summary>
    /// Listens, then wakes the fetch loop. Fetching starts without waiting for the listener, so a job deferred after a
    /// fetch but before LISTEN took effect sends a notification nobody hears; the fetch that this wake-up causes, which
    /// starts after LISTEN took effect, finds it (and every later job notifies). Likewise for aborts, which the fetch
    /// loop checks once (<see cref="WorkerMaintenance.CheckAbortsIfDueAsync"/>).
    /// </summary>
    /// <returns>The subscription, or <see langword="null"/> when listening failed (the worker polls) or it stopped.</returns>
    public async Task<IAsyncDisposable?> StartAsync(CancellationToken stopping)
    {
        var subscription = await ListenAsync(stopping).ConfigureAwait(false);
        if (subscription is not null)
        {
            _maintenance.RequestAbortCheck();
        }

        _fetchSignal.Set();
        return subscription;
    }

    /// <summary>Stops listening once <paramref name="listening"/> (as <see cref="StartAsync"/> returned it) is set up.</summary>
    public async Task StopAsync(Task<IAsyncDisposable?> listening)
    {
        try
        {
            if (await listening.ConfigureAwait(false) is { } subscription)
            {
                await subscription.DisposeAsync().ConfigureAwait(false);
            }
        }
        catch (Exception exception) when (exception is not OutOfMemoryException)
        {
            WorkerLog.StoreCallFailed(_logger, "Stopping to listen", 0, exception);
        }
    }

    private async Task<IAsyncDisposable?> ListenAsync(CancellationToken stopping)
    {
        try
        {
            return await _store.ListenAsync(_settings.Queues, OnNotification, stopping).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            return null;
        }
        catch (Exception exception) when (exception is not OutOfMemoryException)
        {
            WorkerLog.ListenFailed(_logger, _settings.FetchJobPollingInterval.TotalSeconds, exception);
            return null;
        }
    }

    private ValueTask OnNotification(JobNotification notification)
    {
        switch (notification.Kind)
        {
            case JobNotificationKind.JobInserted:
                _fetchSignal.Set();
                break;
            case JobNotificationKind.ListeningResumed:
                _maintenance.RequestAbortCheck();
                _fetchSignal.Set();
                break;
            case JobNotificationKind.AbortRequested:
                _running.Abort(notification.JobId, AbortReason.UserRequest);
                break;
        }

        return ValueTask.CompletedTask;
    }
}
