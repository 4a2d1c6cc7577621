using Microsoft.Extensions.Logging;

namespace Procrastinate;

/// <summary>
/// The worker's shutdown wait: lets running jobs finish within the graceful timeout, aborts them, and gives up on
/// those that ignore the abort, recording their jobs so that none is left doing by a process that exits.
/// </summary>
internal sealed class WorkerShutdown
{
    private readonly WorkerSettings _settings;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly RunningJobs _running;
    private readonly JobExecutor _executor;
    private readonly WorkerIdentity _identity;
    private readonly CancellationToken _abortingNow;
    private int _abandonedJobs;

    // abortingNow is cancelled when the worker aborts at once: the wait for aborted jobs then shortens.
    public WorkerShutdown(
        WorkerSettings settings,
        TimeProvider time,
        ILogger logger,
        RunningJobs running,
        JobExecutor executor,
        WorkerIdentity identity,
        CancellationToken abortingNow)
    {
        _settings = settings;
        _time = time;
        _logger = logger;
        _running = running;
        _executor = executor;
        _identity = identity;
        _abortingNow = abortingNow;
    }

    /// <summary>How many jobs were given up on because they ignored their abort.</summary>
    public int AbandonedJobCount => Volatile.Read(ref _abandonedJobs);

    /// <summary>
    /// Waits for the running jobs: until <see cref="WorkerOptions.ShutdownGracefulTimeout"/>, then aborts them and waits
    /// <see cref="WorkerOptions.ShutdownAbortTimeout"/> more (at most 1 s after an immediate abort), then gives up on
    /// those that ignore the abort. Always ends.
    /// </summary>
    public async Task WaitForRunningJobsAsync(OutcomeRecorder recorder)
    {
        if (_running.IsEmpty)
        {
            return;
        }

        WorkerLog.WaitingForJobs(_logger, _running.Count);
        using (var timeoutCts = CancellationTokenSource.CreateLinkedTokenSource(_abortingNow))
        {
            var all = _running.WhenAllEnded();
            var timeout = _settings.ShutdownGracefulTimeout ?? Timeout.InfiniteTimeSpan;
            var first = await Task.WhenAny(all, Task.Delay(timeout, _time, timeoutCts.Token)).ConfigureAwait(false);
            await timeoutCts.CancelAsync().ConfigureAwait(false);
            if (first != all && !_abortingNow.IsCancellationRequested)
            {
                var running = _running.Snapshot();
                WorkerLog.GracefulTimeoutReached(_logger, timeout.TotalSeconds, running.Count);
                foreach (var job in running)
                {
                    _running.Abort(job, AbortReason.Shutdown);
                }
            }
        }

        // Every job left is aborted now; those that ignore it get a bounded wait, shortened by an immediate abort.
        var waitStart = _time.GetTimestamp();
        using var waitCts = new CancellationTokenSource();
        var deadline = Task.Delay(AbortWait(), _time, waitCts.Token);
        var abortedNow = _abortingNow.IsCancellationRequested
            ? Task.Delay(Timeout.InfiniteTimeSpan, _time, waitCts.Token)
            : Task.Delay(Timeout.InfiniteTimeSpan, _time, _abortingNow);
        while (!_running.IsEmpty)
        {
            var ended = _running.WhenAllEnded();
            var first = await Task.WhenAny(ended, deadline, abortedNow).ConfigureAwait(false);
            if (first == deadline)
            {
                break;
            }

            if (first == abortedNow)
            {
                var left = AbortWait() - _time.GetElapsedTime(waitStart);
                deadline = Task.Delay(left > TimeSpan.Zero ? left : TimeSpan.Zero, _time, waitCts.Token);
                abortedNow = Task.Delay(Timeout.InfiniteTimeSpan, _time, waitCts.Token);
            }
        }

        await waitCts.CancelAsync().ConfigureAwait(false);
        if (!_running.IsEmpty)
        {
            AbandonRunningJobs(recorder, _time.GetElapsedTime(waitStart));
        }
    }

    /// <summary>How long aborted jobs get to end: the option, at most 1 s after an immediate abort.</summary>
    private TimeSpan AbortWait() =>
        _abortingNow.IsCancellationRequested && WorkerSettings.ImmediateAbortTimeout < _settings.ShutdownAbortTimeout
            ? WorkerSettings.ImmediateAbortTimeout
            : _settings.ShutdownAbortTimeout;

    /// <summary>
    /// Records the jobs still running as retried or failed (never left doing by a process that exits) and stops
    /// waiting for their runs, whose own outcomes are dropped.
    /// </summary>
    private void AbandonRunningJobs(OutcomeRecorder recorder, TimeSpan waited)
    {
        var left = _running.Snapshot();
        WorkerLog.AbandoningJobs(_logger, left.Count, Math.Round(waited.TotalSeconds, 3), string.Join(", ", left.Select(j => j.Job.Id)));
        foreach (var running in left)
        {
            if (running.TakeOutcome())
            {
                recorder.Add(_executor.Abandon(running, _identity.Id, waited));
                Interlocked.Increment(ref _abandonedJobs);
            }

            _running.Remove(running.Job.Id);
        }

        // The process may exit right after: outcomes that cannot be written get one more attempt, not endless retries.
        recorder.GiveUp();
    }
}
