using Microsoft.Extensions.Logging;
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
/// <see cref="JobContext.Worker"/>, e.g. to stop it. <see cref="ProcrastinateApp.RunWorkerAsync"/> is the usual entry.
/// </remarks>
public sealed class Worker
{
    // This file is the lifecycle: start-up, run, stop. The rooms it runs: WorkerEnrolment (schema check, register),
    // FetchLoop (fetching and starting jobs), JobExecutor (one job), WorkerMaintenance (heartbeat, abort poll, stalled
    // sweep), WorkerListener (LISTEN), WorkerSignals (SIGINT/SIGTERM), OutcomeRecorder (writing outcomes) and
    // WorkerShutdown (the bounded wait for running jobs).
    private readonly ProcrastinateApp _app;
    private readonly WorkerSettings _settings;
    private readonly IJobStore _store;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly RunningJobs _running;
    private readonly WorkerIdentity _identity = new();
    private readonly WakeSignal _fetchSignal = new();
    private readonly JobExecutor _executor;
    private readonly WorkerMaintenance _maintenance;
    private readonly WorkerListener _listener;
    private readonly WorkerEnrolment _enrolment;
    private readonly WorkerShutdown _shutdown;
    private readonly CancellationTokenSource _stopping = new();
    private readonly CancellationTokenSource _abortingNow = new();
    private readonly TaskCompletionSource<long> _started = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private OutcomeRecorder? _recorder;
    private int _runCalled;
    private SchemaUnusableException? _schemaUnusable;

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
        _running = new RunningJobs(_logger);
        _executor = new JobExecutor(app, _settings, _logger, this);
        _maintenance = new WorkerMaintenance(_store, _settings, _time, _logger, _running, _identity, _fetchSignal, StopOnUnusableSchema, _executor.RetryAfterLostWorker, _executor.KnowsTask);
        _listener = new WorkerListener(_store, _settings, _logger, _running, _fetchSignal, _maintenance);
        _enrolment = new WorkerEnrolment(_store, _settings, _time, _logger, _identity);
        _shutdown = new WorkerShutdown(_settings, _time, _logger, _running, _executor, _identity, _abortingNow.Token);
    }

    /// <summary>The worker's name.</summary>
    public string Name => _settings.Name;

    /// <summary>The queues it works; <see langword="null"/> means all.</summary>
    public IReadOnlyList<string>? Queues => _settings.Queues;

    /// <summary>How many jobs it runs at once.</summary>
    public int Concurrency => _settings.Concurrency;

    /// <summary>Its id in the store once registered, else <see langword="null"/>.</summary>
    public long? Id => _identity.Id is var id && id != 0 ? id : null;

    /// <summary>
    /// Completes with the worker's id once it is registered and fetching; cancelled if it stops before that.
    /// </summary>
    public Task<long> Started => _started.Task;

    /// <summary>When the store last recorded that this worker is alive (registration or heartbeat).</summary>
    public DateTimeOffset? LastHeartbeat => _identity.LastHeartbeat;

    /// <summary>How long without a heartbeat before other workers take this one for gone.</summary>
    public TimeSpan StalledWorkerTimeout => _settings.StalledWorkerTimeout;

    /// <summary>How many jobs run right now.</summary>
    public int RunningJobCount => _running.Count;

    /// <summary>How many jobs it has fetched so far.</summary>
    public long FetchedJobCount => _running.StartedCount;

    /// <summary>
    /// How many jobs the worker gave up on at shutdown because they ignored their abort for
    /// <see cref="WorkerOptions.ShutdownAbortTimeout"/>: their jobs were recorded as a retry or a failure and their runs
    /// left behind (they end with the process). A command line exits with a distinct code when it is not 0.
    /// </summary>
    public int AbandonedJobCount => _shutdown.AbandonedJobCount;

    /// <summary>Whether a stop was requested.</summary>
    public bool IsStopping => _stopping.IsCancellationRequested;

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
    public void Abort() => AbortNow("abort requested");

    private void AbortNow(string reason)
    {
        RequestStop(reason);
        Cancel(_abortingNow);
        var running = _running.Snapshot();
        if (running.Count > 0)
        {
            WorkerLog.AbortingNow(_logger, running.Count);
        }

        foreach (var job in running)
        {
            _running.Abort(job, AbortReason.Shutdown);
        }

        _recorder?.GiveUp();
    }

    /// <summary>
    /// Runs until stopped (by <see cref="Stop"/>, <see cref="Abort"/>, <paramref name="cancellationToken"/>, a
    /// signal, a middleware, or an empty queue when <see cref="WorkerOptions.Wait"/> is false), then returns once
    /// every job has ended and its outcome is recorded. Store failures are logged and retried, but for a schema that
    /// cannot be used: that is checked at start, and found again when a statement fails for good (for PostgreSQL, an
    /// error naming an undefined table, column or function); the worker then aborts its jobs,
    /// stops and throws.
    /// </summary>
    /// <param name="cancellationToken">Cancelling it stops the worker gracefully; the method then returns normally.</param>
    /// <exception cref="InvalidOperationException">The worker already ran.</exception>
    /// <exception cref="SchemaUnusableException">
    /// The store's schema lacks something the worker needs, or has it differently; the message names it on one line.
    /// </exception>
    public async Task RunAsync(CancellationToken cancellationToken = default)
    {
        if (Interlocked.Exchange(ref _runCalled, 1) != 0)
        {
            throw new InvalidOperationException("A worker runs once; create a new one to run again.");
        }

        using var stopOnCancel = cancellationToken.Register(() => RequestStop("cancellation requested"));
        using var signals = WorkerSignals.Install(_settings.InstallSignalHandlers, _logger, RequestStop, Abort);
        try
        {
            // Independent start-up round trips run at once, each on its own connection: registration first, so that
            // it takes the pooled connection (if any) and hands it to the first fetch; the listener and the first
            // sweep for stalled jobs open their own. The first fetch does not wait for the listener: see
            // WorkerListener.StartAsync.
            var checking = _enrolment.CheckSchemaAsync(_stopping.Token);
            var registering = _enrolment.RegisterAsync(_stopping.Token);
            var listening = _settings.ListenNotify ? _listener.StartAsync(_stopping.Token) : null;
            var firstSweep = _settings.RecoverStalledJobs ? _maintenance.SweepStalledJobsAtStartAsync(_stopping.Token) : null;
            var (workerId, registrationError) = await registering.ConfigureAwait(false);

            // The check names what is wrong better than a failed registration does.
            if (await checking.ConfigureAwait(false) is { } checkError)
            {
                StopOnUnusableSchema(checkError);
            }
            else if (registrationError is not null)
            {
                StopOnUnusableSchema(registrationError);
            }

            if (workerId is { } registered && _schemaUnusable is not null)
            {
                _identity.Registered(registered, _time.GetUtcNow(), _time.GetTimestamp());
                await _enrolment.UnregisterAsync().ConfigureAwait(false);
                workerId = null;
            }

            if (workerId is not { } id)
            {
                // Stopped before it was registered: the start-up calls still running end, the listener stops.
                if (firstSweep is not null)
                {
                    await firstSweep.ConfigureAwait(false);
                }

                if (listening is not null)
                {
                    await _listener.StopAsync(listening).ConfigureAwait(false);
                }
            }
            else
            {
                await RunRegisteredAsync(id, listening, firstSweep).ConfigureAwait(false);
            }
        }
        finally
        {
            _started.TrySetCanceled(CancellationToken.None);
        }

        if (_schemaUnusable is { } unusable)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(unusable);
        }
    }

    /// <summary>
    /// A statement failed because of the schema, which retrying cannot fix: aborts the running jobs (their outcomes get
    /// one attempt to be recorded) and stops; <see cref="RunAsync"/> then throws <paramref name="exception"/>. Only the
    /// first call counts.
    /// </summary>
    private void StopOnUnusableSchema(SchemaUnusableException exception)
    {
        if (Interlocked.CompareExchange(ref _schemaUnusable, exception, null) is not null)
        {
            return;
        }

        WorkerLog.SchemaUnusable(_logger, exception.Message);
        AbortNow("the schema cannot be used");
    }

    private async Task RunRegisteredAsync(long workerId, Task<IAsyncDisposable?>? listening, Task<bool>? firstSweep)
    {
        // Registered just now (the answer's round trip is the only slack): the fence counts from here.
        _identity.Registered(workerId, _time.GetUtcNow(), _time.GetTimestamp());
        var recorder = new OutcomeRecorder(_store, _time, _logger, _fetchSignal.Set, StopOnUnusableSchema);
        _recorder = recorder;
        if (_abortingNow.IsCancellationRequested)
        {
            recorder.GiveUp();
        }

        var recording = recorder.RunAsync();
        using var jobThreads = new JobThreads(Concurrency, Name);
        using var sideLoopsCts = new CancellationTokenSource();
        var sideLoops = _maintenance.Start(firstSweep, sideLoopsCts.Token);
        sideLoops.Add(new PeriodicDeferrer(_app, _logger).RunAsync(_stopping.Token, sideLoopsCts.Token));
        var queuesDisplay = Queues is null ? "all queues" : "queues " + string.Join(", ", Queues);
        WorkerLog.StartWorker(_logger, Name, workerId, queuesDisplay, Concurrency);
        _started.TrySetResult(workerId);
        try
        {
            recorder.StartSharing();
            var fetchLoop = new FetchLoop(
                _store, _settings, _time, _logger, _running, _executor, recorder, _fetchSignal, _identity, _maintenance, RequestStop, StopOnUnusableSchema, jobThreads);
            await fetchLoop.RunAsync(_stopping.Token).ConfigureAwait(false);
        }
        finally
        {
            recorder.StopSharing();
            // Heartbeats go on while jobs finish, so that no other worker takes them for stalled.
            await _shutdown.WaitForRunningJobsAsync(recorder).ConfigureAwait(false);
            recorder.Complete();
            await recording.ConfigureAwait(false);
            await sideLoopsCts.CancelAsync().ConfigureAwait(false);
            await Task.WhenAll(sideLoops).ConfigureAwait(false);
            if (listening is not null)
            {
                await _listener.StopAsync(listening).ConfigureAwait(false);
            }

            await _enrolment.UnregisterAsync().ConfigureAwait(false);
            WorkerLog.StopWorker(_logger, Name, Id);
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
}
