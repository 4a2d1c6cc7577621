using Microsoft.Extensions.Logging;
using Procrastinate.Storage;

namespace Procrastinate;

/// <summary>
/// A worker's background loops beside fetching: the heartbeat, the poll for aborts, and the sweep that gives the jobs
/// of stalled workers back to their queues. Each loop logs a failing store call and tries again sooner, with back-off;
/// no failure ends a loop or the worker.
/// </summary>
internal sealed class WorkerMaintenance
{
    private readonly IJobStore _store;
    private readonly WorkerSettings _settings;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly RunningJobs _running;
    private readonly WorkerIdentity _identity;
    private readonly WakeSignal _fetchSignal;
    private readonly Action<SchemaUnusableException> _schemaUnusable;
    private readonly Func<Job, RetryJobParams?> _retryAfterLostWorker;
    private readonly Func<string, bool> _knowsTask;
    private int _abortCheckDue;

    public WorkerMaintenance(
        IJobStore store,
        WorkerSettings settings,
        TimeProvider time,
        ILogger logger,
        RunningJobs running,
        WorkerIdentity identity,
        WakeSignal fetchSignal,
        Action<SchemaUnusableException> schemaUnusable,
        Func<Job, RetryJobParams?> retryAfterLostWorker,
        Func<string, bool> knowsTask)
    {
        _store = store;
        _settings = settings;
        _time = time;
        _logger = logger;
        _running = running;
        _identity = identity;
        _fetchSignal = fetchSignal;
        _schemaUnusable = schemaUnusable;
        _retryAfterLostWorker = retryAfterLostWorker;
        _knowsTask = knowsTask;
    }

    /// <summary>
    /// Starts the heartbeat, the abort poll and (when <paramref name="firstSweep"/> is given, i.e. stalled-job recovery
    /// is on) the stalled-job sweep; they run until <paramref name="token"/> is cancelled.
    /// </summary>
    public List<Task> Start(Task<bool>? firstSweep, CancellationToken token)
    {
        List<Task> loops =
        [
            LoopAsync("Heartbeat", _settings.UpdateHeartbeatInterval, false, UpdateHeartbeatAsync, token),
            LoopAsync("Polling for aborts", _settings.AbortJobPollingInterval, false, PollAbortsAsync, token),
            WatchHeartbeatAsync(token),
        ];
        if (firstSweep is not null)
        {
            loops.Add(RecoverStalledJobsLoopAsync(firstSweep, token));
        }

        return loops;
    }

    /// <summary>
    /// The first sweep for stalled jobs, concurrent with registration (it needs no worker id: this worker has no job
    /// yet). Returns whether it ran; if not, the sweep loop starts with a sweep, as it would have without this one.
    /// </summary>
    public async Task<bool> SweepStalledJobsAtStartAsync(CancellationToken stopping)
    {
        try
        {
            await SweepStalledJobsAsync(stopping).ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            return false;
        }
        catch (Exception exception) when (exception is not OutOfMemoryException)
        {
            WorkerLog.StoreCallFailed(_logger, "Recovering stalled jobs", 0, exception);
            return false;
        }
    }

    /// <summary>
    /// Asks for one look for aborts outside the poll (done by <see cref="CheckAbortsIfDueAsync"/>): aborts requested
    /// while LISTEN was not in effect were unheard, and the poll may be far away.
    /// </summary>
    public void RequestAbortCheck() => Volatile.Write(ref _abortCheckDue, 1);

    /// <summary>
    /// Looks for aborts once if <see cref="RequestAbortCheck"/> asked for it. The fetch loop calls this, after LISTEN
    /// took effect and after any fetch in flight (so every job it started is known); an abort requested later notifies.
    /// </summary>
    public async Task CheckAbortsIfDueAsync(CancellationToken stopping)
    {
        if (Interlocked.Exchange(ref _abortCheckDue, 0) == 0)
        {
            return;
        }

        try
        {
            await PollAbortsAsync(stopping).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            // Stopping.
        }
        catch (Exception exception) when (exception is not OutOfMemoryException)
        {
            // The abort poll finds them later.
            WorkerLog.StoreCallFailed(_logger, "Polling for aborts", 0, exception);
        }
    }

    private async ValueTask UpdateHeartbeatAsync(CancellationToken cancellationToken)
    {
        var sent = _time.GetTimestamp();
        await _store.UpdateHeartbeatAsync(_identity.Id, cancellationToken).ConfigureAwait(false);
        _identity.HeartbeatWritten(_time.GetUtcNow(), sent);
    }

    /// <summary>
    /// The heartbeat fence (issue 18, item 3): once no heartbeat was recorded for
    /// <see cref="WorkerSettings.HeartbeatFenceTimeout"/> (counted from when the last recorded one was sent), other
    /// workers may soon take this worker's jobs for stalled and run them again; so it aborts its runs first, drops their
    /// outcomes, and fetches nothing until it enrolled again (see <see cref="FetchLoop"/>). Runs until cancelled.
    /// </summary>
    private async Task WatchHeartbeatAsync(CancellationToken token)
    {
        var limit = _settings.HeartbeatFenceTimeout;
        while (!token.IsCancellationRequested)
        {
            var silent = _time.GetElapsedTime(_identity.HeartbeatSentTimestamp);
            if (silent >= limit && !_identity.IsFenced)
            {
                Fence(silent);
            }

            // Looks again when the fence would be due, at least every tenth of it (heartbeats move it forward).
            var next = _identity.IsFenced || silent >= limit ? limit / 10 : limit - silent;
            await Backoff.DelayAsync(next < limit / 10 ? limit / 10 : next, _time, token).ConfigureAwait(false);
        }
    }

    private void Fence(TimeSpan silent)
    {
        if (!_identity.TryFence())
        {
            return;
        }

        var running = _running.Snapshot();
        WorkerLog.Fenced(_logger, silent.TotalSeconds, _settings.StalledWorkerTimeout.TotalSeconds, running.Count,
            string.Join(", ", running.Select(r => r.Job.Id)));
        foreach (var job in running)
        {
            // Claimed here, so the run's own outcome is dropped: the job is left to stalled-job recovery.
            job.TakeOutcome();
            _running.Abort(job, AbortReason.HeartbeatLost);
        }

        _fetchSignal.Set();
    }

    private async ValueTask PollAbortsAsync(CancellationToken cancellationToken)
    {
        if (_running.IsEmpty)
        {
            return;
        }

        var ids = await _store.ListJobsToAbortAsync(null, cancellationToken).ConfigureAwait(false);
        foreach (var id in ids)
        {
            _running.Abort(id, AbortReason.UserRequest);
        }
    }

    private async ValueTask RecoverStalledJobsAsync(CancellationToken cancellationToken)
    {
        // A heartbeat first: after an outage longer than the stalled timeout, this worker must not take its own
        // running jobs for stalled.
        await UpdateHeartbeatAsync(cancellationToken).ConfigureAwait(false);
        await SweepStalledJobsAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Recovers the stalled jobs: each lost run counts as an attempt against its task's retry strategy (issue 18, item
    /// 2), so a job whose runs keep killing their worker ends failed instead of looping; a job of a task this worker does
    /// not know has no strategy here and ends failed. Logs one line per job.
    /// </summary>
    private async ValueTask SweepStalledJobsAsync(CancellationToken cancellationToken)
    {
        var recovered = await _store.RetryStalledJobsAsync(_settings.StalledWorkerTimeout, _retryAfterLostWorker, cancellationToken)
            .ConfigureAwait(false);
        if (recovered.Count == 0)
        {
            return;
        }

        WorkerLog.StalledJobsRecovered(_logger, recovered.Count, string.Join(", ", recovered.Select(r => r.Job.Id)));
        var stalledSeconds = _settings.StalledWorkerTimeout.TotalSeconds;
        foreach (var (job, status) in recovered)
        {
            var outcome = (status, job.AbortRequested) switch
            {
                (JobStatus.Todo, _) => "Error, to retry",
                (_, true) => "Error: its abort was requested",
                _ when !_knowsTask(job.TaskName) => "Error: its task is unknown to this worker, so it has no retry",
                _ => "Error: no attempt left, or a waiting job holds its queueing lock",
            };
            var level = status == JobStatus.Todo ? LogLevel.Warning : LogLevel.Error;
            WorkerLog.WorkerLost(_logger, level, job.CallString, job.WorkerId, stalledSeconds, job.Attempts + 1, outcome);
            Diagnostics.ProcrastinateInstrumentation.WorkerLost(job, status);
        }

        _fetchSignal.Set();
    }

    private async Task RecoverStalledJobsLoopAsync(Task<bool> firstSweep, CancellationToken token)
    {
        var swept = await firstSweep.ConfigureAwait(false);
        await LoopAsync("Recovering stalled jobs", _settings.StalledJobsSweepInterval, !swept, RecoverStalledJobsAsync, token)
            .ConfigureAwait(false);
    }

    /// <summary>
    /// Runs <paramref name="body"/> every <paramref name="interval"/> (jittered) until cancelled. A failure is logged
    /// and retried sooner, with back-off; it never ends the loop or the worker.
    /// </summary>
    private async Task LoopAsync(
        string name, TimeSpan interval, bool runFirst, Func<CancellationToken, ValueTask> body, CancellationToken token)
    {
        var backoff = default(Backoff);
        var delay = runFirst ? TimeSpan.Zero : Backoff.Jitter(interval);
        while (true)
        {
            if (delay > TimeSpan.Zero)
            {
                await Backoff.DelayAsync(delay, _time, token).ConfigureAwait(false);
            }

            if (token.IsCancellationRequested)
            {
                return;
            }

            try
            {
                await body(token).ConfigureAwait(false);
                backoff.Reset();
                delay = Backoff.Jitter(interval);
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
                return;
            }
            catch (SchemaUnusableException exception)
            {
                _schemaUnusable(exception);
                return;
            }
            catch (Exception exception) when (exception is not OutOfMemoryException)
            {
                var next = backoff.Next();
                delay = next < interval ? next : Backoff.Jitter(interval);
                WorkerLog.StoreCallFailed(_logger, name, delay.TotalSeconds, exception);
            }
        }
    }
}
