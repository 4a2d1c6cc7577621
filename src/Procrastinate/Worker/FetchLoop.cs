using Microsoft.Extensions.Logging;
using Procrastinate.Storage;

namespace Procrastinate;

/// <summary>
/// A worker's producer: fetches up to the free slots' worth of jobs (recording ended runs in the same round trip),
/// starts each on the <see cref="JobExecutor"/> and hands its outcome to the <see cref="OutcomeRecorder"/>. It wakes on
/// the fetch signal (a notification, a freed slot, a recovered stalled job) or a jittered poll, fetches again at once
/// after a full batch, and backs off while the store fails.
/// </summary>
internal sealed class FetchLoop
{
    /// <summary>How many finishes one fetch records at most (the recorder writes the rest).</summary>
    private const int MaxFinishesPerFetch = 100;

    /// <summary>
    /// How long a fetch for some of the slots waits, at most, for the jobs still starting to end or yield their thread
    /// (see <see cref="RunAsync"/>).
    /// </summary>
    private static readonly TimeSpan MaxStartingWait = TimeSpan.FromMilliseconds(2);

    private readonly IJobStore _store;
    private readonly WorkerSettings _settings;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly RunningJobs _running;
    private readonly JobExecutor _executor;
    private readonly OutcomeRecorder _recorder;
    private readonly WakeSignal _fetchSignal;
    private readonly WorkerIdentity _identity;
    private readonly WorkerMaintenance _maintenance;
    private readonly Action<string> _requestStop;
    private readonly Action<SchemaUnusableException> _schemaUnusable;
    private readonly JobThreads _jobThreads;

    public FetchLoop(
        IJobStore store,
        WorkerSettings settings,
        TimeProvider time,
        ILogger logger,
        RunningJobs running,
        JobExecutor executor,
        OutcomeRecorder recorder,
        WakeSignal fetchSignal,
        WorkerIdentity identity,
        WorkerMaintenance maintenance,
        Action<string> requestStop,
        Action<SchemaUnusableException> schemaUnusable,
        JobThreads jobThreads)
    {
        _store = store;
        _settings = settings;
        _time = time;
        _logger = logger;
        _running = running;
        _executor = executor;
        _recorder = recorder;
        _fetchSignal = fetchSignal;
        _identity = identity;
        _maintenance = maintenance;
        _requestStop = requestStop;
        _schemaUnusable = schemaUnusable;
        _jobThreads = jobThreads;
    }

    /// <summary>
    /// Fetches and starts jobs until <paramref name="stop"/> fires (or, when <see cref="WorkerOptions.Wait"/> is false,
    /// until the queues are empty, which requests the stop). Returns without waiting for the jobs it started.
    /// </summary>
    public async Task RunAsync(CancellationToken stop)
    {
        var concurrency = _settings.Concurrency;
        var workerId = _identity.Id;
        var backoff = default(Backoff);
        var finishes = new List<JobCompletion>();
        var takeFinishes = true;
        var fetchFailed = false;
        var coalesced = false;
        long? startingWaitSince = null;
        var fenced = false;
        while (!stop.IsCancellationRequested)
        {
            if (_identity.IsFenced)
            {
                if (!fenced)
                {
                    // Finishes of runs that ended before the fence are written alone, as the fetches stop.
                    fenced = true;
                    _recorder.StopSharing();
                    finishes.Clear();
                    fetchFailed = false;
                }

                if (await EnrolAgainAsync().ConfigureAwait(false) is not { } newId)
                {
                    await _fetchSignal.WaitAsync(Backoff.Jitter(_settings.UpdateHeartbeatInterval), _time, stop).ConfigureAwait(false);
                    continue;
                }

                workerId = newId;
                fenced = false;
                _recorder.StartSharing();
            }

            await _maintenance.CheckAbortsIfDueAsync(stop).ConfigureAwait(false);
            if (_jobThreads.Starting > 0)
            {
                // Jobs just handed to their threads have not yet ended or yielded: those that end at once (short jobs)
                // free their slot within microseconds, and waiting for them makes one fetch of a full batch instead of
                // several partial ones. The thread that ends the last of them goes on with this loop (the wait wakes
                // inline), so a batch of short jobs costs no hop back. Bounded, for a job whose synchronous part takes
                // long.
                startingWaitSince ??= _time.GetTimestamp();
                var left = MaxStartingWait - _time.GetElapsedTime(startingWaitSince.Value);
                if (left > TimeSpan.Zero)
                {
                    await _jobThreads.WaitUntilNoneStartingAsync(left, _time, stop).ConfigureAwait(false);
                    continue;
                }
            }

            var free = concurrency - _running.Count;
            if (free > 0)
            {
                if (free < concurrency && !coalesced && startingWaitSince is null)
                {
                    // Runs about to end (queued behind this loop on the thread pool) then join this fetch: one round
                    // trip for several slots rather than one each. A yield costs microseconds, not a wait. After a wait
                    // for starts, the loop has already given way to them.
                    coalesced = true;
                    await Task.Yield();
                    continue;
                }

                coalesced = false;
                startingWaitSince = null;
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
                    _recorder.TakeShared(finishes, MaxFinishesPerFetch);
                }

                takeFinishes = true;

                // Taken before the fetch: an outcome recorded on its own while the fetch runs may release a lock the
                // fetch already skipped, so an empty fetch proves the queues caught up only if nothing else was in
                // flight (the finishes sent with the fetch are recorded before it looks).
                var idleBeforeFetch = _running.IsEmpty && _recorder.Pending == finishes.Count;
                IReadOnlyList<Job> jobs;
                try
                {
                    // Not cancellable: a fetch cancelled after the store marked jobs as running would strand them.
                    var parameters = new FetchJobsParams(workerId, _settings.Queues, free);
                    jobs = finishes.Count == 0
                        ? await _store.FetchJobsAsync(parameters, CancellationToken.None).ConfigureAwait(false)
                        : await _store.FinishAndFetchJobsAsync(finishes, parameters, CancellationToken.None).ConfigureAwait(false);
                    _recorder.Recorded(finishes.Count);
                    backoff.Reset();
                }
                catch (Exception exception) when (exception is not OutOfMemoryException && finishes.Count > 0)
                {
                    // The recorder writes these alone, with its retries; the next fetch goes without finishes, so that
                    // its own failure, if any, takes the back-off below.
                    WorkerLog.FinishAndFetchFailed(_logger, finishes.Count, exception);
                    _recorder.Return(finishes);
                    takeFinishes = false;
                    fetchFailed = true;
                    continue;
                }
                catch (SchemaUnusableException exception)
                {
                    _schemaUnusable(exception);
                    break;
                }
                catch (Exception exception) when (exception is not OutOfMemoryException)
                {
                    fetchFailed = true;
                    var delay = backoff.Next();
                    WorkerLog.StoreCallFailed(_logger, "Fetching jobs", delay.TotalSeconds, exception);
                    await Backoff.DelayAsync(delay, _time, stop).ConfigureAwait(false);
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
                    _requestStop("no job left to run (wait = false)");
                    break;
                }
            }

            startingWaitSince = null;
            await _fetchSignal.WaitAsync(Backoff.Jitter(_settings.FetchJobPollingInterval), _time, stop)
                .ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Whether a fetch failed because this worker's row is gone: another worker pruned it after an outage longer than
    /// <see cref="WorkerOptions.StalledWorkerTimeout"/>.
    /// </summary>
    private static bool IsUnknownWorker(Exception exception) => exception is Storage.WorkerNotRegisteredException;

    /// <summary>
    /// The jobs that failed fetches took all the same: a fetch whose answer is lost with its connection after the
    /// database committed it leaves jobs doing under this worker, whose heartbeat keeps them from stalled-job recovery,
    /// so nobody else would ever run them. Returns them (priority, then id order), or <see langword="null"/> when it
    /// cannot tell yet: while outcomes wait to be recorded, a job that just ended here still reads doing.
    /// </summary>
    private async Task<List<Job>?> FindJobsOfFailedFetchesAsync(long workerId)
    {
        // Running ids first, then pending outcomes: a job ending in between has already handed over its outcome.
        var running = _running.Ids();
        if (_recorder.Pending > 0)
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
    /// Lifts the fence once that is safe: a heartbeat was recorded since (the store is back), every fenced run has ended,
    /// and every outcome of the runs before it is recorded. Then it unregisters the old id, which leaves its jobs
    /// without a worker, so stalled-job recovery takes them at once (each lost run counting as an attempt), and
    /// registers a new id; returns it, or <see langword="null"/> when not yet.
    /// </summary>
    private async Task<long?> EnrolAgainAsync()
    {
        if (!_identity.HeartbeatSinceFence || !_running.IsEmpty || _recorder.Pending > 0)
        {
            return null;
        }

        var oldId = _identity.Id;
        try
        {
            await _store.UnregisterWorkerAsync(oldId, CancellationToken.None).ConfigureAwait(false);
            var sent = _time.GetTimestamp();
            var newId = await _store.RegisterWorkerAsync(CancellationToken.None).ConfigureAwait(false);
            _identity.EnrolledAgain(newId, _time.GetUtcNow(), sent);
            WorkerLog.Unfenced(_logger, oldId, newId);
            return newId;
        }
        catch (Exception exception) when (exception is not OutOfMemoryException)
        {
            WorkerLog.StoreCallFailed(_logger, "Enrolling the worker again after its fence", 0, exception);
            return null;
        }
    }

    /// <summary>Registers a new id after the old one was pruned; heartbeats and fetches use it from then on.</summary>
    private async Task<long?> RegisterAgainAsync()
    {
        try
        {
            var newId = await _store.RegisterWorkerAsync(CancellationToken.None).ConfigureAwait(false);
            WorkerLog.RegisteredAgain(_logger, _identity.RegisteredAgain(newId), newId);
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
        var running = new RunningJob(job);
        _running.Add(running);
        running.Completion = _jobThreads.Run(() => RunJobAsync(running, workerId));
    }

    private async Task RunJobAsync(RunningJob running, long workerId)
    {
        JobOutcome? outcome = null;
        try
        {
            outcome = await _executor.RunAsync(running, workerId).ConfigureAwait(false);
        }
        finally
        {
            // Hand the outcome over before freeing the slot, so that "nothing running, nothing pending" means done.
            if (running.TakeOutcome())
            {
                _recorder.Add(outcome ?? _executor.FailedByWorker(running.Job));
            }

            _running.Remove(running.Job.Id);
            running.Dispose();
            _fetchSignal.Set();
        }
    }
}
