using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using Procrastinate.Diagnostics;
using Procrastinate.Storage;

namespace Procrastinate;

/// <summary>
/// Runs the jobs of an app's tasks: fetches up to <see cref="WorkerOptions.Concurrency"/> jobs at a time, wakes up on
/// notifications with polling as the fallback, records each outcome (retrying the store until it is recorded),
/// keeps a heartbeat, aborts jobs on request, recovers stalled jobs and shuts down gracefully.
/// </summary>
/// <remarks>
/// A worker runs once: call <see cref="RunAsync"/>, then <see cref="Stop"/> (or cancel the token) for a graceful
/// stop, <see cref="Abort"/> to abort running jobs at once. Middleware reaches the worker running its job through
/// <see cref="FromContext"/>, e.g. to stop it. <see cref="ProcrastinateApp.RunWorkerAsync"/> is the usual entry.
/// </remarks>
public sealed class Worker
{
    /// <summary>The key of <see cref="JobContext.AdditionalContext"/> under which each job finds its worker.</summary>
    public const string ContextKey = "procrastinate.worker";

    /// <summary>How many finishes one fetch records at most (the recorder writes the rest).</summary>
    private const int MaxFinishesPerFetch = 100;

    private readonly ProcrastinateApp _app;
    private readonly WorkerSettings _settings;
    private readonly IJobStore _store;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly IReadOnlyDictionary<string, object?> _additionalContext;
    private readonly ConcurrentDictionary<long, RunningJob> _running = new();
    private readonly WakeSignal _fetchSignal = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly CancellationTokenSource _abortingNow = new();
    private readonly TaskCompletionSource<long> _started = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private OutcomeRecorder? _recorder;
    private int _runCalled;
    private int _signals;
    private int _abortCheckDue;
    private long _fetchedJobs;
    private long _workerId;
    private long _lastHeartbeatTicks;

    /// <summary>Creates a worker for <paramref name="app"/>.</summary>
    /// <param name="app">The app whose store and tasks to use.</param>
    /// <param name="options">Options of this run, over <see cref="ProcrastinateApp.WorkerDefaults"/>.</param>
    /// <exception cref="ArgumentException">An option is out of range.</exception>
    public Worker(ProcrastinateApp app, WorkerOptions? options = null)
    {
        _app = app ?? throw new ArgumentNullException(nameof(app));
        _settings = WorkerSettings.Resolve(options, app.WorkerDefaults);
        _store = app.Store;
        _time = app.TimeProvider;
        _logger = app.LoggerFactory.CreateLogger("Procrastinate.Worker");
        var context = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var pair in _settings.AdditionalContext ?? new Dictionary<string, object?>())
        {
            context[pair.Key] = pair.Value;
        }

        context[ContextKey] = this;
        _additionalContext = context;
    }

    /// <summary>The worker's name.</summary>
    public string Name => _settings.Name;

    /// <summary>The queues it works; <see langword="null"/> means all.</summary>
    public IReadOnlyList<string>? Queues => _settings.Queues;

    /// <summary>How many jobs it runs at once.</summary>
    public int Concurrency => _settings.Concurrency;

    /// <summary>Its id in the store once registered, else <see langword="null"/>.</summary>
    public long? Id => Interlocked.Read(ref _workerId) is var id && id != 0 ? id : null;

    /// <summary>
    /// Completes with the worker's id once it is registered and fetching; cancelled if it stops before that.
    /// </summary>
    public Task<long> Started => _started.Task;

    /// <summary>When the store last recorded that this worker is alive (registration or heartbeat).</summary>
    public DateTimeOffset? LastHeartbeat => Interlocked.Read(ref _lastHeartbeatTicks) is var t && t != 0 ? new(t, TimeSpan.Zero) : null;

    /// <summary>How long without a heartbeat before other workers take this one for gone.</summary>
    public TimeSpan StalledWorkerTimeout => _settings.StalledWorkerTimeout;

    /// <summary>How many jobs run right now.</summary>
    public int RunningJobCount => _running.Count;

    /// <summary>How many jobs it has fetched so far.</summary>
    public long FetchedJobCount => Interlocked.Read(ref _fetchedJobs);

    /// <summary>Whether a stop was requested.</summary>
    public bool IsStopping => _stopping.IsCancellationRequested;

    /// <summary>The worker running the job of <paramref name="context"/>, if a worker runs it.</summary>
    public static Worker? FromContext(JobContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return context.AdditionalContext.TryGetValue(ContextKey, out var worker) ? worker as Worker : null;
    }

    /// <summary>
    /// Stops gracefully: no new job is fetched, running jobs may finish (until
    /// <see cref="WorkerOptions.ShutdownGracefulTimeout"/>, then they are aborted with
    /// <see cref="AbortReason.Shutdown"/>). Safe to call from any thread, any number of times.
    /// </summary>
    public void Stop() => RequestStop("stop requested");

    /// <summary>
    /// Stops at once: running jobs are aborted with <see cref="AbortReason.Shutdown"/> (and retried when their
    /// strategy allows); outcomes the store cannot take get one last attempt, after which their jobs are left to
    /// stalled-job recovery. Safe to call from any thread.
    /// </summary>
    public void Abort()
    {
        RequestStop("abort requested");
        Cancel(_abortingNow);
        var running = _running.Values.ToList();
        if (running.Count > 0)
        {
            WorkerLog.AbortingNow(_logger, running.Count);
        }

        foreach (var job in running)
        {
            AbortJob(job, AbortReason.Shutdown);
        }

        _recorder?.GiveUp();
    }

    /// <summary>
    /// Runs until stopped (by <see cref="Stop"/>, <see cref="Abort"/>, <paramref name="cancellationToken"/>, a
    /// signal, a middleware, or an empty queue when <see cref="WorkerOptions.Wait"/> is false), then returns once
    /// every job has ended and its outcome is recorded. Store failures are logged and retried; they never end it.
    /// </summary>
    /// <param name="cancellationToken">Cancelling it stops the worker gracefully; the method then returns normally.</param>
    /// <exception cref="InvalidOperationException">The worker already ran.</exception>
    public async Task RunAsync(CancellationToken cancellationToken = default)
    {
        if (Interlocked.Exchange(ref _runCalled, 1) != 0)
        {
            throw new InvalidOperationException("A worker runs once; create a new one to run again.");
        }

        using var stopOnCancel = cancellationToken.Register(() => RequestStop("cancellation requested"));
        var signalHandlers = InstallSignalHandlers();
        try
        {
            // Independent start-up round trips run at once, each on its own connection: registration first, so that
            // it takes the pooled connection (if any) and hands it to the first fetch; the listener and the first
            // sweep for stalled jobs open their own. The first fetch does not wait for the listener: see StartListeningAsync.
            var registering = RegisterAsync();
            var listening = _settings.ListenNotify ? StartListeningAsync() : null;
            var firstSweep = _settings.RecoverStalledJobs ? SweepStalledJobsAtStartAsync() : null;
            var workerId = await registering.ConfigureAwait(false);
            if (workerId is not { } id)
            {
                await AbandonStartAsync(listening, firstSweep).ConfigureAwait(false);
                return;
            }

            await RunRegisteredAsync(id, listening, firstSweep).ConfigureAwait(false);
        }
        finally
        {
            foreach (var handler in signalHandlers)
            {
                handler.Dispose();
            }

            _started.TrySetCanceled(CancellationToken.None);
        }
    }

    private async Task RunRegisteredAsync(long workerId, Task<IAsyncDisposable?>? listening, Task<bool>? firstSweep)
    {
        Interlocked.Exchange(ref _workerId, workerId);
        Interlocked.Exchange(ref _lastHeartbeatTicks, _time.GetUtcNow().UtcTicks);
        var recorder = new OutcomeRecorder(_store, _time, _logger, _fetchSignal.Set);
        _recorder = recorder;
        if (_abortingNow.IsCancellationRequested)
        {
            recorder.GiveUp();
        }

        var recording = recorder.RunAsync();
        using var sideLoopsCts = new CancellationTokenSource();
        var subscription = listening is null ? null : new PendingSubscription(listening);
        var sideToken = sideLoopsCts.Token;
        List<Task> sideLoops =
        [
            SideLoopAsync("Heartbeat", _settings.UpdateHeartbeatInterval, false,
                UpdateHeartbeatAsync, sideToken),
            SideLoopAsync("Polling for aborts", _settings.AbortJobPollingInterval, false, PollAbortsAsync, sideToken),
            new PeriodicDeferrer(_app, _logger).RunAsync(_stopping.Token, sideToken),
        ];
        if (firstSweep is not null)
        {
            sideLoops.Add(RecoverStalledJobsLoopAsync(firstSweep, sideToken));
        }

        var queuesDisplay = Queues is null ? "all queues" : "queues " + string.Join(", ", Queues);
        WorkerLog.StartWorker(_logger, Name, workerId, queuesDisplay, Concurrency);
        _started.TrySetResult(workerId);
        try
        {
            recorder.StartSharing();
            await FetchLoopAsync(workerId).ConfigureAwait(false);
        }
        finally
        {
            recorder.StopSharing();
            // Heartbeats go on while jobs finish, so that no other worker takes them for stalled.
            await WaitForRunningJobsAsync().ConfigureAwait(false);
            recorder.Complete();
            await recording.ConfigureAwait(false);
            await sideLoopsCts.CancelAsync().ConfigureAwait(false);
            await Task.WhenAll(sideLoops).ConfigureAwait(false);
            if (subscription is not null)
            {
                await DisposeQuietlyAsync(subscription).ConfigureAwait(false);
            }

            await UnregisterAsync().ConfigureAwait(false);
            WorkerLog.StopWorker(_logger, Name, Id);
        }
    }

    private async Task<long?> RegisterAsync()
    {
        var stop = _stopping.Token;
        var backoff = default(Backoff);
        while (!stop.IsCancellationRequested)
        {
            try
            {
                var pruned = await _store.PruneStalledWorkersAsync(_settings.StalledWorkerTimeout, stop).ConfigureAwait(false);
                if (pruned.Count > 0)
                {
                    WorkerLog.StalledWorkersPruned(_logger, pruned.Count);
                }

                return await _store.RegisterWorkerAsync(stop).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                break;
            }
            catch (Exception exception) when (exception is not OutOfMemoryException)
            {
                var delay = backoff.Next();
                WorkerLog.StoreCallFailed(_logger, "Registering the worker", delay.TotalSeconds, exception);
                await DelayAsync(delay, stop).ConfigureAwait(false);
            }
        }

        return null;
    }

    private async Task FetchLoopAsync(long workerId)
    {
        var stop = _stopping.Token;
        var backoff = default(Backoff);
        var recorder = _recorder!;
        var finishes = new List<JobCompletion>();
        var takeFinishes = true;
        var fetchFailed = false;
        var coalesced = false;
        while (!stop.IsCancellationRequested)
        {
            if (Interlocked.Exchange(ref _abortCheckDue, 0) == 1)
            {
                await CheckAbortsMissedWhileNotListeningAsync().ConfigureAwait(false);
            }

            var free = Concurrency - _running.Count;
            if (free > 0)
            {
                if (free < Concurrency && !coalesced)
                {
                    // Runs about to end (queued behind this loop on the thread pool) then join this fetch: one round
                    // trip for several slots rather than one each. A yield costs microseconds, not a wait.
                    coalesced = true;
                    await Task.Yield();
                    continue;
                }

                coalesced = false;
                if (fetchFailed && await FindJobsOfFailedFetchesAsync(workerId).ConfigureAwait(false) is { } taken)
                {
                    fetchFailed = taken.Count > free;
                    if (taken.Count > 0)
                    {
                        var start = taken.Take(free).ToList();
                        WorkerLog.RunningJobsOfFailedFetch(_logger, start.Count, string.Join(", ", start.Select(j => j.Id)));
                        foreach (var job in start)
                        {
                            StartJob(job, workerId);
                        }

                        continue;
                    }
                }

                // The runs that ended since the last fetch are recorded in the same round trip (and transaction).
                finishes.Clear();
                if (takeFinishes)
                {
                    recorder.TakeShared(finishes, MaxFinishesPerFetch);
                }

                takeFinishes = true;

                // Taken before the fetch: an outcome recorded on its own while the fetch runs may release a lock the
                // fetch already skipped, so an empty fetch proves the queues caught up only if nothing else was in
                // flight (the finishes sent with the fetch are recorded before it looks).
                var idleBeforeFetch = _running.IsEmpty && recorder.Pending == finishes.Count;
                IReadOnlyList<Job> jobs;
                try
                {
                    // Not cancellable: a fetch cancelled after the store marked jobs as running would strand them.
                    var parameters = new FetchJobsParams(workerId, Queues, free);
                    jobs = finishes.Count == 0
                        ? await _store.FetchJobsAsync(parameters, CancellationToken.None).ConfigureAwait(false)
                        : await _store.FinishAndFetchJobsAsync(finishes, parameters, CancellationToken.None).ConfigureAwait(false);
                    recorder.Recorded(finishes.Count);
                    backoff.Reset();
                }
                catch (Exception exception) when (exception is not OutOfMemoryException && finishes.Count > 0)
                {
                    // The recorder writes these alone, with its retries; the next fetch goes without finishes, so that
                    // its own failure, if any, takes the back-off below.
                    WorkerLog.FinishAndFetchFailed(_logger, finishes.Count, exception);
                    recorder.Return(finishes);
                    takeFinishes = false;
                    fetchFailed = true;
                    continue;
                }
                catch (Exception exception) when (exception is not OutOfMemoryException)
                {
                    fetchFailed = true;
                    var delay = backoff.Next();
                    WorkerLog.StoreCallFailed(_logger, "Fetching jobs", delay.TotalSeconds, exception);
                    await DelayAsync(delay, stop).ConfigureAwait(false);
                    if (IsUnknownWorker(exception) && await RegisterAgainAsync().ConfigureAwait(false) is { } newId)
                    {
                        workerId = newId;
                    }

                    continue;
                }

                foreach (var job in jobs)
                {
                    StartJob(job, workerId);
                }

                if (jobs.Count == free)
                {
                    // A full batch: more may be waiting; fetch again as soon as a slot is free.
                    continue;
                }

                if (jobs.Count == 0 && !_settings.Wait && idleBeforeFetch)
                {
                    RequestStop("no job left to run (wait = false)");
                    break;
                }
            }

            await _fetchSignal.WaitAsync(Backoff.Jitter(_settings.FetchJobPollingInterval), _time, stop)
                .ConfigureAwait(false);
        }
    }

    /// <summary>
    /// The jobs that failed fetches took all the same: a fetch whose answer is lost with its connection after the
    /// database committed it leaves jobs doing under this worker, whose heartbeat keeps them from stalled-job recovery,
    /// so nobody else would ever run them. Returns them (priority, then id order), or <see langword="null"/> when it
    /// cannot tell yet: while outcomes wait to be recorded, a job that just ended here still reads doing.
    /// </summary>
    private async Task<List<Job>?> FindJobsOfFailedFetchesAsync(long workerId)
    {
        // Running ids first, then pending outcomes: a job ending in between has already handed over its outcome.
        var running = _running.Keys.ToHashSet();
        if (_recorder!.Pending > 0)
        {
            return null;
        }

        IReadOnlyList<Job> doing;
        try
        {
            doing = await _store.ListJobsAsync(new JobFilter { WorkerId = workerId, Status = JobStatus.Doing }, CancellationToken.None)
                .ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is not OutOfMemoryException)
        {
            // Tried again after the next fetch; that fetch, failing too, takes the back-off.
            WorkerLog.StoreCallFailed(_logger, "Looking for jobs of a failed fetch", 0, exception);
            return null;
        }

        return doing.Where(job => !running.Contains(job.Id))
            .OrderByDescending(job => job.Priority)
            .ThenBy(job => job.Id)
            .ToList();
    }

    /// <summary>
    /// Whether a fetch failed because this worker's row is gone: another worker pruned it after an outage longer than
    /// <see cref="WorkerOptions.StalledWorkerTimeout"/> (PostgreSQL reports a foreign key violation, SQLSTATE 23503).
    /// </summary>
    private static bool IsUnknownWorker(Exception exception) =>
        exception is System.Data.Common.DbException { SqlState: "23503" };

    /// <summary>Registers a new id after the old one was pruned; heartbeats and fetches use it from then on.</summary>
    private async Task<long?> RegisterAgainAsync()
    {
        try
        {
            var newId = await _store.RegisterWorkerAsync(CancellationToken.None).ConfigureAwait(false);
            WorkerLog.RegisteredAgain(_logger, Interlocked.Exchange(ref _workerId, newId), newId);
            return newId;
        }
        catch (Exception exception) when (exception is not OutOfMemoryException)
        {
            WorkerLog.StoreCallFailed(_logger, "Registering the worker again", 0, exception);
            return null;
        }
    }

    private void StartJob(Job job, long workerId)
    {
        Interlocked.Increment(ref _fetchedJobs);
        var running = new RunningJob(job);
        _running[job.Id] = running;
        running.Completion = Task.Run(() => RunJobAsync(running, workerId));
    }

    private async Task RunJobAsync(RunningJob running, long workerId)
    {
        var job = running.Job;
        using var activity = ProcrastinateInstrumentation.StartRun(job);
        using var scope = _logger.BeginScope(new JobLogScope(job, Name, workerId));
        var outcome = JobOutcome.Finished(new JobCompletion(job.Id, JobStatus.Failed, _settings.DeleteJobs == DeleteJobsCondition.Always));
        try
        {
            var startTimestamp = _time.GetTimestamp();
            _app.Tasks.TryGet(job.TaskName, out var task);
            var context = new JobContext(
                _app,
                job,
                task,
                Name,
                Queues,
                _time.GetUtcNow(),
                _additionalContext,
                () => running.AbortReason,
                running.CancellationToken);
            WorkerLog.StartJob(_logger, job.CallString);
            Exception? error = null;
            try
            {
                if (task is null)
                {
                    throw new TaskNotFoundException(job.TaskName, _app.Tasks.SuggestNames(job.TaskName));
                }

                await BuildPipeline(context, task)().ConfigureAwait(false);
            }
            catch (Exception exception)
            {
                error = exception;
            }

            var seconds = _time.GetElapsedTime(startTimestamp).TotalSeconds;
            outcome = Decide(running, task, error, seconds);
            ProcrastinateInstrumentation.EndRun(activity, job, outcome, error, seconds);
        }
        catch (Exception exception) when (exception is not OutOfMemoryException)
        {
            // A fault of the worker's own (not of the task): the job fails rather than staying in doing.
            WorkerLog.JobEnded(_logger, LogLevel.Error, job.CallString, "Error", 0, exception);
            ProcrastinateInstrumentation.EndRun(activity, job, outcome, exception, 0);
        }
        finally
        {
            // Hand the outcome over before freeing the slot, so that "nothing running, nothing pending" means done.
            _recorder!.Add(outcome);
            _running.TryRemove(job.Id, out _);
            running.Dispose();
            _fetchSignal.Set();
        }
    }

    private Func<ValueTask<object?>> BuildPipeline(JobContext context, TaskDefinition task)
    {
        Func<ValueTask<object?>> next = () => task.Invoke(context);
        next = Wrap(next, task.Middleware, context);
        return Wrap(next, _settings.Middleware, context);

        static Func<ValueTask<object?>> Wrap(
            Func<ValueTask<object?>> inner, IReadOnlyList<JobMiddleware> middleware, JobContext context)
        {
            for (var i = middleware.Count - 1; i >= 0; i--)
            {
                var current = middleware[i];
                var next = inner;
                inner = () => current(context, next);
            }

            return inner;
        }
    }

    private JobOutcome Decide(RunningJob running, TaskDefinition? task, Exception? error, double seconds)
    {
        var job = running.Job;
        if (error is null)
        {
            WorkerLog.JobEnded(_logger, LogLevel.Information, job.CallString, "Success", seconds, null);
            return Finish(job, JobStatus.Succeeded);
        }

        if (task is null || error is TaskNotFoundException or TaskArgumentsException)
        {
            if (task is null)
            {
                WorkerLog.TaskNotFound(_logger, job.TaskName, job.Id);
            }

            WorkerLog.JobEnded(_logger, LogLevel.Error, job.CallString, "Error", seconds, error);
            return Finish(job, JobStatus.Failed);
        }

        AbortReason? abortReason = error switch
        {
            JobAbortedException aborted => aborted.Reason ?? running.AbortReason ?? AbortReason.UserRequest,
            OperationCanceledException when running.AbortReason is { } reason => reason,
            _ => null,
        };
        if (abortReason == AbortReason.UserRequest)
        {
            WorkerLog.JobEnded(_logger, LogLevel.Information, job.CallString, "Aborted", seconds, null);
            return Finish(job, JobStatus.Aborted);
        }

        var retry = GetRetry(task, job, error);
        if (retry is not null)
        {
            var outcome = abortReason is null ? "Error, to retry" : "Aborted, to retry";
            WorkerLog.JobEnded(_logger, LogLevel.Information, job.CallString, outcome, seconds, error);
            return JobOutcome.Retried(retry);
        }

        if (abortReason is not null)
        {
            WorkerLog.JobEnded(_logger, LogLevel.Information, job.CallString, "Aborted", seconds, null);
            return Finish(job, JobStatus.Aborted);
        }

        WorkerLog.JobEnded(_logger, LogLevel.Error, job.CallString, "Error", seconds, error);
        return Finish(job, JobStatus.Failed);
    }

    private RetryJobParams? GetRetry(TaskDefinition task, Job job, Exception error)
    {
        if (task.RetryStrategy is not { } strategy)
        {
            return null;
        }

        try
        {
            if (strategy.GetRetryDecision(error, job) is not { } decision)
            {
                return null;
            }

            var retryAt = decision.ResolveRetryAt(_time.GetUtcNow());
            return new RetryJobParams(job.Id, retryAt, decision.Priority, decision.Queue, decision.Lock);
        }
        catch (Exception exception) when (exception is not OutOfMemoryException)
        {
            WorkerLog.RetryStrategyFailed(_logger, task.Name, job.Id, exception);
            return null;
        }
    }

    private JobOutcome Finish(Job job, JobStatus status)
    {
        var delete = _settings.DeleteJobs switch
        {
            DeleteJobsCondition.Always => true,
            DeleteJobsCondition.Successful => status == JobStatus.Succeeded,
            _ => false,
        };
        return JobOutcome.Finished(new JobCompletion(job.Id, status, delete));
    }

    private async Task WaitForRunningJobsAsync()
    {
        if (_running.IsEmpty)
        {
            return;
        }

        WorkerLog.WaitingForJobs(_logger, _running.Count);
        using (var timeoutCts = CancellationTokenSource.CreateLinkedTokenSource(_abortingNow.Token))
        {
            var all = Task.WhenAll(_running.Values.Select(job => job.Completion));
            var timeout = _settings.ShutdownGracefulTimeout ?? Timeout.InfiniteTimeSpan;
            var first = await Task.WhenAny(all, Task.Delay(timeout, _time, timeoutCts.Token)).ConfigureAwait(false);
            await timeoutCts.CancelAsync().ConfigureAwait(false);
            if (first != all && !_abortingNow.IsCancellationRequested)
            {
                var running = _running.Values.ToList();
                WorkerLog.GracefulTimeoutReached(_logger, timeout.TotalSeconds, running.Count);
                foreach (var job in running)
                {
                    AbortJob(job, AbortReason.Shutdown);
                }
            }
        }

        while (!_running.IsEmpty)
        {
            await Task.WhenAll(_running.Values.Select(job => job.Completion)).ConfigureAwait(false);
        }
    }

    private async ValueTask UpdateHeartbeatAsync(CancellationToken cancellationToken)
    {
        await _store.UpdateHeartbeatAsync(Interlocked.Read(ref _workerId), cancellationToken).ConfigureAwait(false);
        Interlocked.Exchange(ref _lastHeartbeatTicks, _time.GetUtcNow().UtcTicks);
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
            if (_running.TryGetValue(id, out var running))
            {
                AbortJob(running, AbortReason.UserRequest);
            }
        }
    }

    private async ValueTask RecoverStalledJobsAsync(CancellationToken cancellationToken)
    {
        // A heartbeat first: after an outage longer than the stalled timeout, this worker must not take its own
        // running jobs for stalled.
        await _store.UpdateHeartbeatAsync(Interlocked.Read(ref _workerId), cancellationToken).ConfigureAwait(false);
        var ids = await _store.RetryStalledJobsAsync(_settings.StalledWorkerTimeout, cancellationToken).ConfigureAwait(false);
        if (ids.Count > 0)
        {
            WorkerLog.StalledJobsRecovered(_logger, ids.Count, string.Join(", ", ids));
            _fetchSignal.Set();
        }
    }

    /// <summary>
    /// Listens, then wakes the fetch loop. Fetching starts without waiting for the listener, so a job deferred after a
    /// fetch but before LISTEN took effect sends a notification nobody hears; the fetch that this wake-up causes, which
    /// starts after LISTEN took effect, finds it (and every later job notifies).
    /// </summary>
    private async Task<IAsyncDisposable?> StartListeningAsync()
    {
        var subscription = await ListenAsync().ConfigureAwait(false);
        if (subscription is not null)
        {
            Volatile.Write(ref _abortCheckDue, 1);
        }

        _fetchSignal.Set();
        return subscription;
    }

    /// <summary>
    /// Likewise for aborts: a job fetched before LISTEN took effect (or while the listener was reconnecting) may have
    /// had its abort requested unheard, and the abort poll may be far away. The fetch loop looks once, after LISTEN
    /// took effect and after any fetch in flight (so every job it started is known); an abort requested later notifies.
    /// </summary>
    private async Task CheckAbortsMissedWhileNotListeningAsync()
    {
        try
        {
            await PollAbortsAsync(_stopping.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
            // Stopping.
        }
        catch (Exception exception) when (exception is not OutOfMemoryException)
        {
            // The abort poll finds them later.
            WorkerLog.StoreCallFailed(_logger, "Polling for aborts", 0, exception);
        }
    }

    /// <summary>
    /// The first sweep for stalled jobs, concurrent with registration (it needs no worker id: this worker has no job
    /// yet). Returns whether it ran; if not, the sweep loop starts with a sweep, as it would have without this one.
    /// </summary>
    private async Task<bool> SweepStalledJobsAtStartAsync()
    {
        try
        {
            var ids = await _store.RetryStalledJobsAsync(_settings.StalledWorkerTimeout, _stopping.Token).ConfigureAwait(false);
            if (ids.Count > 0)
            {
                WorkerLog.StalledJobsRecovered(_logger, ids.Count, string.Join(", ", ids));
                _fetchSignal.Set();
            }

            return true;
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
            return false;
        }
        catch (Exception exception) when (exception is not OutOfMemoryException)
        {
            WorkerLog.StoreCallFailed(_logger, "Recovering stalled jobs", 0, exception);
            return false;
        }
    }

    private async Task RecoverStalledJobsLoopAsync(Task<bool> firstSweep, CancellationToken token)
    {
        var swept = await firstSweep.ConfigureAwait(false);
        await SideLoopAsync("Recovering stalled jobs", _settings.StalledJobsSweepInterval, !swept, RecoverStalledJobsAsync, token)
            .ConfigureAwait(false);
    }

    /// <summary>The worker stopped before it was registered: the start-up calls still running end, the listener stops.</summary>
    private async Task AbandonStartAsync(Task<IAsyncDisposable?>? listening, Task<bool>? firstSweep)
    {
        if (firstSweep is not null)
        {
            await firstSweep.ConfigureAwait(false);
        }

        if (listening is not null)
        {
            await DisposeQuietlyAsync(new PendingSubscription(listening)).ConfigureAwait(false);
        }
    }

    private async Task<IAsyncDisposable?> ListenAsync()
    {
        try
        {
            return await _store.ListenAsync(Queues, OnNotification, _stopping.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
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
                Volatile.Write(ref _abortCheckDue, 1);
                _fetchSignal.Set();
                break;
            case JobNotificationKind.AbortRequested when _running.TryGetValue(notification.JobId, out var running):
                AbortJob(running, AbortReason.UserRequest);
                break;
        }

        return ValueTask.CompletedTask;
    }

    private void AbortJob(RunningJob running, AbortReason reason)
    {
        if (running.Abort(reason))
        {
            WorkerLog.AbortJob(_logger, running.Job.Id, reason);
        }
    }

    /// <summary>
    /// Runs <paramref name="body"/> every <paramref name="interval"/> (jittered) until cancelled. A failure is logged
    /// and retried sooner, with back-off; it never ends the loop or the worker.
    /// </summary>
    private async Task SideLoopAsync(
        string name, TimeSpan interval, bool runFirst, Func<CancellationToken, ValueTask> body, CancellationToken token)
    {
        var backoff = default(Backoff);
        var delay = runFirst ? TimeSpan.Zero : Backoff.Jitter(interval);
        while (true)
        {
            if (delay > TimeSpan.Zero)
            {
                await DelayAsync(delay, token).ConfigureAwait(false);
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
            catch (Exception exception) when (exception is not OutOfMemoryException)
            {
                var next = backoff.Next();
                delay = next < interval ? next : Backoff.Jitter(interval);
                WorkerLog.StoreCallFailed(_logger, name, delay.TotalSeconds, exception);
            }
        }
    }

    private async Task UnregisterAsync()
    {
        var workerId = Interlocked.Read(ref _workerId);
        try
        {
            await _store.UnregisterWorkerAsync(workerId, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is not OutOfMemoryException)
        {
            WorkerLog.UnregisterFailed(_logger, workerId, exception);
        }
    }

    private async Task DisposeQuietlyAsync(IAsyncDisposable subscription)
    {
        try
        {
            await subscription.DisposeAsync().ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is not OutOfMemoryException)
        {
            WorkerLog.StoreCallFailed(_logger, "Stopping to listen", 0, exception);
        }
    }

    private async Task DelayAsync(TimeSpan delay, CancellationToken cancellationToken)
    {
        try
        {
            await Task.Delay(delay, _time, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }
    }

    private void RequestStop(string reason)
    {
        if (!_stopping.IsCancellationRequested)
        {
            WorkerLog.StoppingWorker(_logger, Name, reason);
        }

        Cancel(_stopping);
        _fetchSignal.Set();
    }

    private static void Cancel(CancellationTokenSource source)
    {
        try
        {
            source.Cancel();
        }
        catch (AggregateException)
        {
            // Callbacks of the worker's own never throw; nothing else registers on these sources.
        }
    }

    private List<PosixSignalRegistration> InstallSignalHandlers()
    {
        if (!_settings.InstallSignalHandlers)
        {
            return [];
        }

        try
        {
            return
            [
                PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal),
                PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal),
            ];
        }
        catch (Exception exception) when (exception is PlatformNotSupportedException or IOException)
        {
            WorkerLog.SkipSignalHandlers(_logger, exception.Message);
            return [];
        }
    }

    private void OnSignal(PosixSignalContext context)
    {
        // Handled here: the process ends when RunAsync returns, not at the signal.
        context.Cancel = true;
        WorkerLog.SignalReceived(_logger, context.Signal.ToString());
        if (Interlocked.Increment(ref _signals) == 1)
        {
            RequestStop($"{context.Signal} received; a second signal aborts running jobs");
        }
        else
        {
            Abort();
        }
    }

    /// <summary>A subscription still being set up: disposing it waits for the set-up, then stops listening.</summary>
    private sealed class PendingSubscription(Task<IAsyncDisposable?> listening) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            if (await listening.ConfigureAwait(false) is { } subscription)
            {
                await subscription.DisposeAsync().ConfigureAwait(false);
            }
        }
    }
}
