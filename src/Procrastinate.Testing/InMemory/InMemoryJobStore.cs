using System.Data.Common;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Procrastinate.Storage;

namespace Procrastinate.Testing.InMemory;

/// <summary>
/// A job store in memory with exactly the PostgreSQL store's semantics (SCHEMA.md 2.9 to 2.11): locks and their
/// ordering, queueing locks (also inside a batch, all or nothing), priorities, schedules on an injectable clock,
/// retries, cancel and abort, the events of every transition, attempts, workers and heartbeats, stalled jobs,
/// periodic claims, listing, deleting old jobs and notifications. The same contract test suite runs on both stores.
/// </summary>
/// <remarks>
/// For unit tests of code that defers jobs: no database, no reflection. Read what was deferred with
/// <see cref="Deferred{TArgs}"/> and run it with <c>app.RunUntilIdleAsync()</c>. Safe for concurrent use (one lock).
/// Every operation is one atomic step, like one PostgreSQL statement; caller transactions are not supported.
/// Job arguments are stored as <c>jsonb</c> prints them (keys sorted, numbers as <c>numeric</c>), like PostgreSQL.
/// </remarks>
public sealed partial class InMemoryJobStore : IJobStore
{
    /// <summary>The longest task name, in characters (the column is <c>varchar(128)</c>).</summary>
    public const int MaxTaskNameLength = JobRules.MaxTaskNameLength;

    private const long TicksPerMicrosecond = 10;

    private readonly object _gate = new();
    private readonly SortedDictionary<long, Row> _jobs = [];
    private readonly SortedDictionary<long, DateTimeOffset> _workers = [];
    private readonly List<Claim> _claims = [];
    private readonly List<Subscription> _subscriptions = [];
    private readonly ILogger _logger;
    private long _lastJobId;
    private long _lastWorkerId;

    /// <summary>Creates an empty store on <paramref name="timeProvider"/> (the system clock when unset).</summary>
    public InMemoryJobStore(TimeProvider? timeProvider = null)
        : this(new InMemoryJobStoreOptions { TimeProvider = timeProvider })
    {
    }

    /// <summary>Creates an empty store from options.</summary>
    public InMemoryJobStore(InMemoryJobStoreOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        TimeProvider = options.TimeProvider ?? TimeProvider.System;
        _logger = (options.LoggerFactory ?? NullLoggerFactory.Instance).CreateLogger("Procrastinate.Testing.InMemory");
    }

    /// <summary>The store's clock: what PostgreSQL's <c>now()</c> is to the PostgreSQL store.</summary>
    public TimeProvider TimeProvider { get; }

    /// <summary>Whether <see cref="IsSchemaPresentAsync"/> answers true (as a database with the schema would).</summary>
    public bool SchemaPresent { get; set; } = true;

    /// <inheritdoc />
    /// <exception cref="NotSupportedException">A transaction is given: the in-memory store has no database to join.</exception>
    public ValueTask<IReadOnlyList<long>> DeferJobsAsync(
        IReadOnlyList<JobToDefer> jobs,
        DbTransaction? transaction = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(jobs);
        var normalized = jobs.Select(Normalize).ToList();
        if (transaction is not null)
        {
            throw new NotSupportedException(
                $"The in-memory store cannot join a database transaction ({transaction.GetType().Name}); defer without one in unit tests.");
        }

        cancellationToken.ThrowIfCancellationRequested();
        if (normalized.Count == 0)
        {
            return ValueTask.FromResult<IReadOnlyList<long>>([]);
        }

        lock (_gate)
        {
            return ValueTask.FromResult<IReadOnlyList<long>>(Insert(normalized));
        }
    }

    /// <inheritdoc />
    public ValueTask<long?> DeferPeriodicJobAsync(
        JobToDefer job,
        string periodicId,
        long deferTimestamp,
        CancellationToken cancellationToken = default)
    {
        var normalized = Normalize(job) with { ScheduledAt = null };
        ArgumentNullException.ThrowIfNull(periodicId);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            // As the PostgreSQL store: a tick at or before the latest claimed one of its schedule is never deferred
            // (a worker running late would otherwise defer again a tick whose claim was already forgotten).
            if (_claims.Exists(c => c.TaskName == job.TaskName && c.PeriodicId == periodicId && c.DeferTimestamp >= deferTimestamp))
            {
                return ValueTask.FromResult<long?>(null);
            }

            var id = Insert([normalized])[0];
            _claims.RemoveAll(c => c.TaskName == job.TaskName && c.PeriodicId == periodicId && c.DeferTimestamp < deferTimestamp);
            _claims.Add(new Claim(job.TaskName, periodicId, deferTimestamp) { JobId = id });
            return ValueTask.FromResult<long?>(id);
        }
    }

    /// <inheritdoc />
    /// <exception cref="WorkerNotRegisteredException">The worker is not registered and there is a job to take.</exception>
    public ValueTask<IReadOnlyList<Job>> FetchJobsAsync(FetchJobsParams parameters, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentOutOfRangeException.ThrowIfLessThan(parameters.Limit, 1, nameof(parameters));
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            var now = Now();
            var picked = _jobs.Values
                .Where(job => job.Status == JobStatus.Todo
                    && (parameters.Queues is null || parameters.Queues.Contains(job.Queue, StringComparer.Ordinal))
                    && (job.ScheduledAt is null || job.ScheduledAt <= now)
                    && !IsLockBlocked(job))
                .OrderByDescending(job => job.Priority)
                .ThenBy(job => job.Id)
                .Take(parameters.Limit)
                .ToList();
            if (picked.Count > 0 && !_workers.ContainsKey(parameters.WorkerId))
            {
                throw new WorkerNotRegisteredException(parameters.WorkerId);
            }

            foreach (var job in picked)
            {
                SetStatus(job, JobStatus.Doing, now);
                job.WorkerId = parameters.WorkerId;
            }

            return ValueTask.FromResult<IReadOnlyList<Job>>(picked.Select(job => job.ToJob()).ToList());
        }
    }

    /// <inheritdoc />
    /// <remarks>
    /// All completions are applied in one step, all or nothing, except those of a worker whose job no longer runs on it
    /// (<see cref="JobCompletion.WorkerId"/>), which are dropped with a warning.
    /// </remarks>
    /// <exception cref="InvalidOperationException">A job does not exist or is neither waiting nor running; nothing changed.</exception>
    public ValueTask FinishJobsAsync(IReadOnlyList<JobCompletion> completions, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(completions);
        foreach (var completion in completions)
        {
            if (completion.Status is not (JobStatus.Succeeded or JobStatus.Failed or JobStatus.Aborted))
            {
                throw new ArgumentException(
                    $"A job ends succeeded, failed or aborted, not {completion.Status} (job {completion.JobId}).", nameof(completions));
            }
        }

        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            // As the PostgreSQL store: a worker's own completion whose job no longer runs on it is left out first.
            var applied = new List<JobCompletion>(completions.Count);
            var statuses = new Dictionary<long, JobStatus?>();
            foreach (var completion in completions)
            {
                var row = _jobs.GetValueOrDefault(completion.JobId);
                var status = statuses.TryGetValue(completion.JobId, out var changed) ? changed : row?.Status;
                if (completion.WorkerId is { } workerId
                    && (status is not { } current || !OutcomeFence.Applies(workerId, current, row!.WorkerId)))
                {
                    OutcomeFence.Dropped(_logger, "finish", completion.JobId, workerId);
                    continue;
                }

                if (status is not (JobStatus.Todo or JobStatus.Doing))
                {
                    throw new InvalidOperationException(
                        $"Job not found, or neither waiting nor running (job id: {completion.JobId})");
                }

                statuses[completion.JobId] = completion.Delete ? null : completion.Status;
                applied.Add(completion);
            }

            var now = Now();
            foreach (var completion in applied)
            {
                var job = _jobs[completion.JobId];
                if (completion.Delete)
                {
                    Delete(job);
                    continue;
                }

                Finish(job, completion.Status, now);
                job.AddError(completion.Error, now);
            }
        }

        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    /// <exception cref="InvalidOperationException">
    /// The job does not exist, is in another status, or failed after an abort request (it cannot go back to todo).
    /// </exception>
    /// <exception cref="AlreadyEnqueuedException">A waiting job already holds the job's queueing lock.</exception>
    public ValueTask RetryJobAsync(RetryJobParams parameters, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        if (parameters.Queue is not null)
        {
            JobRules.ValidateQueueName(parameters.Queue, nameof(parameters));
        }

        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            if (parameters.WorkerId is { } workerId
                && (!_jobs.TryGetValue(parameters.JobId, out var held) || !OutcomeFence.Applies(workerId, held.Status, held.WorkerId)))
            {
                OutcomeFence.Dropped(_logger, "retry", parameters.JobId, workerId);
                return ValueTask.CompletedTask;
            }

            if (!_jobs.TryGetValue(parameters.JobId, out var job) || job.Status is not (JobStatus.Doing or JobStatus.Failed))
            {
                throw new InvalidOperationException($"Job not found, or neither running nor failed (job id: {parameters.JobId})");
            }

            var now = Now();
            CheckRetry(job);
            Retry(job, ToStoredTime(parameters.RetryAt), parameters.Priority, parameters.Queue, parameters.Lock, now);
            job.AddError(parameters.Error, now);
        }

        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public ValueTask<bool> CancelJobAsync(long jobId, bool abort = false, bool delete = false, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            if (!_jobs.TryGetValue(jobId, out var job))
            {
                return ValueTask.FromResult(false);
            }

            if (delete && job.Status == JobStatus.Todo)
            {
                Delete(job);
                return ValueTask.FromResult(true);
            }

            var now = Now();
            if (abort && job.Status is JobStatus.Todo or JobStatus.Doing)
            {
                // As Procrastinate 3.9's triggers: an event for every request, a notification for the first only.
                job.AddEvent("abort_requested", now);
                if (!job.AbortRequested)
                {
                    job.AbortRequested = true;
                    if (job.Status == JobStatus.Doing)
                    {
                        Notify(new JobNotification(JobNotificationKind.AbortRequested, job.Id), job.Queue);
                    }
                }

                if (job.Status == JobStatus.Todo)
                {
                    SetStatus(job, JobStatus.Cancelled, now);
                }

                return ValueTask.FromResult(true);
            }

            if (!abort && job.Status == JobStatus.Todo)
            {
                SetStatus(job, JobStatus.Cancelled, now);
                return ValueTask.FromResult(true);
            }

            return ValueTask.FromResult(false);
        }
    }

    /// <inheritdoc />
    public ValueTask<JobStatus?> GetJobStatusAsync(long jobId, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            return ValueTask.FromResult(_jobs.GetValueOrDefault(jobId)?.Status);
        }
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<long>> ListJobsToAbortAsync(string? queue = null, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            return ValueTask.FromResult<IReadOnlyList<long>>(_jobs.Values
                .Where(job => job.Status == JobStatus.Doing && job.AbortRequested && (queue is null || job.Queue == queue))
                .Select(job => job.Id)
                .ToList());
        }
    }

    /// <inheritdoc />
    public ValueTask<long> RegisterWorkerAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            var id = ++_lastWorkerId;
            _workers[id] = Now();
            return ValueTask.FromResult(id);
        }
    }

    /// <inheritdoc />
    public ValueTask UnregisterWorkerAsync(long workerId, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            RemoveWorker(workerId);
        }

        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public ValueTask UpdateHeartbeatAsync(long workerId, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            if (_workers.ContainsKey(workerId))
            {
                _workers[workerId] = Now();
            }
        }

        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<long>> PruneStalledWorkersAsync(TimeSpan olderThan, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            var limit = Now() - olderThan;
            var pruned = _workers.Where(w => w.Value < limit).Select(w => w.Key).ToList();
            pruned.ForEach(RemoveWorker);
            return ValueTask.FromResult<IReadOnlyList<long>>(pruned);
        }
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<Job>> GetStalledJobsAsync(
        TimeSpan sinceHeartbeat,
        string? queue = null,
        string? taskName = null,
        CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            return ValueTask.FromResult<IReadOnlyList<Job>>(Stalled(sinceHeartbeat)
                .Where(job => (queue is null || job.Queue == queue) && (taskName is null || job.TaskName == taskName))
                .Select(job => job.ToJob())
                .ToList());
        }
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<StalledJobRecovery>> RetryStalledJobsAsync(
        TimeSpan sinceHeartbeat,
        Func<Job, RetryJobParams?>? retry = null,
        CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            var stalled = Stalled(sinceHeartbeat);
            var now = Now();
            var found = stalled.Select(job => job.ToJob()).ToList();

            // Every decision first, as the PostgreSQL store takes them all before it changes a row.
            var decisions = found.Select(job => job.AbortRequested ? null : Decide(job, retry, now)).ToList();
            var handled = new List<StalledJobRecovery>(stalled.Count);
            for (var i = 0; i < stalled.Count; i++)
            {
                var job = stalled[i];

                // By id, so a job this sweep put back to todo already holds its queueing lock for the later ones.
                if (job.AbortRequested)
                {
                    Retry(job, now, null, null, null, now);
                }
                else if (decisions[i] is not { } decision
                    || (job.QueueingLock is { } queueingLock && HoldsQueueingLock(queueingLock)))
                {
                    Finish(job, JobStatus.Failed, now);
                }
                else
                {
                    Retry(job, decision.RetryAt, decision.Priority, decision.Queue, decision.Lock, now);
                }

                handled.Add(new StalledJobRecovery(found[i], job.Status));
            }

            return ValueTask.FromResult<IReadOnlyList<StalledJobRecovery>>(handled);
        }

        static RetryJobParams? Decide(Job job, Func<Job, RetryJobParams?>? retry, DateTimeOffset now)
        {
            if (retry is null)
            {
                return new RetryJobParams(job.Id, now);
            }

            var decision = retry(job);
            if (decision is not null && decision.JobId != job.Id)
            {
                throw new ArgumentException($"The retry decision for stalled job {job.Id} names job {decision.JobId}.", nameof(retry));
            }

            return decision;
        }
    }

    /// <inheritdoc />
    public ValueTask<int> DeleteOldJobsAsync(DeleteOldJobsParams parameters, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        cancellationToken.ThrowIfCancellationRequested();
        var statuses = new List<JobStatus> { JobStatus.Succeeded };
        if (parameters.IncludeFailed)
        {
            statuses.Add(JobStatus.Failed);
        }

        if (parameters.IncludeCancelled)
        {
            statuses.Add(JobStatus.Cancelled);
        }

        if (parameters.IncludeAborted)
        {
            statuses.Add(JobStatus.Aborted);
        }

        lock (_gate)
        {
            var limit = Now() - parameters.MaxAge;
            var old = _jobs.Values
                .Where(job => statuses.Contains(job.Status)
                    && (parameters.Queue is null || job.Queue == parameters.Queue)
                    && job.Events.Count > 0
                    && job.Events.Max(e => e.At) < limit)
                .ToList();
            old.ForEach(Delete);
            return ValueTask.FromResult(old.Count);
        }
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<Job>> ListJobsAsync(JobFilter filter, CancellationToken cancellationToken = default)
    {
        JobFilter.ThrowIfInvalidListing(filter);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            var page = Matching(filter).Where(job => (filter.AfterId is not { } after || job.Id > after)
                && (filter.BeforeId is not { } before || job.Id < before));
            if (filter.Descending)
            {
                page = page.Reverse();
            }

            if (filter.Limit is { } limit)
            {
                page = page.Take(limit);
            }

            return ValueTask.FromResult<IReadOnlyList<Job>>(page.Select(job => job.ToJob()).ToList());
        }
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<JobCounts>> ListQueuesAsync(JobFilter filter, CancellationToken cancellationToken = default) =>
        CountBy(filter, static job => job.Queue, cancellationToken);

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<JobCounts>> ListTasksAsync(JobFilter filter, CancellationToken cancellationToken = default) =>
        CountBy(filter, static job => job.TaskName, cancellationToken);

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<JobCounts>> ListLocksAsync(JobFilter filter, CancellationToken cancellationToken = default) =>
        CountBy(filter, static job => job.Lock, cancellationToken);

    /// <inheritdoc />
    public ValueTask<bool> DeleteJobAsync(long jobId, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            if (!_jobs.TryGetValue(jobId, out var job)
                || job.Status is not (JobStatus.Succeeded or JobStatus.Failed or JobStatus.Cancelled or JobStatus.Aborted))
            {
                return ValueTask.FromResult(false);
            }

            Delete(job);
            return ValueTask.FromResult(true);
        }
    }

    /// <inheritdoc />
    /// <remarks>This store always keeps errors: never <see langword="null"/>.</remarks>
    public ValueTask<IReadOnlyList<JobAttemptError>?> ListJobErrorsAsync(long jobId, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            return ValueTask.FromResult<IReadOnlyList<JobAttemptError>?>(
                _jobs.TryGetValue(jobId, out var job) ? [.. job.Errors.OrderBy(e => e.Attempt)] : []);
        }
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<JobEvent>> ListJobEventsAsync(long jobId, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return ValueTask.FromResult(GetEvents(jobId));
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<EventCounts>> CountEventsByMinuteAsync(TimeSpan period, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(period, TimeSpan.Zero);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            var since = Now() - period;
            return ValueTask.FromResult<IReadOnlyList<EventCounts>>(_jobs.Values
                .SelectMany(job => job.Events)
                .Where(e => e.At >= since && e.Type is ("deferred" or "succeeded" or "failed"))
                .GroupBy(e => new DateTimeOffset(e.At.UtcTicks - (e.At.UtcTicks % TimeSpan.TicksPerMinute), TimeSpan.Zero))
                .OrderBy(group => group.Key)
                .Select(group => new EventCounts(
                    group.Key,
                    group.LongCount(e => e.Type == "deferred"),
                    group.LongCount(e => e.Type == "succeeded"),
                    group.LongCount(e => e.Type == "failed")))
                .ToList());
        }
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<WorkerRegistration>> ListWorkersAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return ValueTask.FromResult(GetWorkers());
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<PeriodicClaim>> ListPeriodicClaimsAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return ValueTask.FromResult(GetPeriodicClaims());
    }

    /// <inheritdoc />
    public ValueTask<bool> IsSchemaPresentAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return ValueTask.FromResult(SchemaPresent);
    }

    /// <inheritdoc />
    /// <remarks>
    /// Like PostgreSQL's <c>LISTEN</c>: <c>job_inserted</c> for every inserted job and <c>abort_job_requested</c> when
    /// the abort of a running job is requested, for the given queues (all when <see langword="null"/>). Notifications
    /// are handed to <paramref name="onNotification"/> one at a time, in order, off the caller's thread; an exception
    /// it throws is logged and ignored. Disposing the subscription delivers what was already sent, then stops.
    /// </remarks>
    public ValueTask<IAsyncDisposable> ListenAsync(
        IReadOnlyList<string>? queues,
        Func<JobNotification, ValueTask> onNotification,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(onNotification);
        cancellationToken.ThrowIfCancellationRequested();
        var subscription = new Subscription(this, queues?.ToHashSet(StringComparer.Ordinal), onNotification);
        lock (_gate)
        {
            _subscriptions.Add(subscription);
        }

        return ValueTask.FromResult<IAsyncDisposable>(subscription);
    }

    /// <summary>The stored form of a time: UTC, microseconds (a <c>timestamptz</c>; Npgsql drops the rest).</summary>
    internal static DateTimeOffset ToStoredTime(DateTimeOffset time)
    {
        var utc = time.UtcTicks;
        return new DateTimeOffset(utc - (utc % TicksPerMicrosecond), TimeSpan.Zero);
    }

    private static JobToDefer Normalize(JobToDefer job)
    {
        JobRules.Validate(job, nameof(job));
        return job with
        {
            Args = JsonbText.Normalize(job.Args, nameof(job)),
            ScheduledAt = job.ScheduledAt is { } at ? ToStoredTime(at) : null,
        };
    }

    private DateTimeOffset Now() => ToStoredTime(TimeProvider.GetUtcNow());

    /// <summary>Inserts jobs all or nothing (caller holds the lock); ids are used up by a failed insert, as a sequence is.</summary>
    private List<long> Insert(IReadOnlyList<JobToDefer> jobs)
    {
        var taken = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < jobs.Count; i++)
        {
            if (jobs[i].QueueingLock is { } queueingLock && (!taken.Add(queueingLock) || HoldsQueueingLock(queueingLock)))
            {
                _lastJobId += i + 1;
                throw new AlreadyEnqueuedException(queueingLock);
            }
        }

        var now = Now();
        var ids = new List<long>(jobs.Count);
        foreach (var job in jobs)
        {
            var row = new Row
            {
                Id = ++_lastJobId,
                Queue = job.Queue,
                TaskName = job.TaskName,
                Priority = job.Priority,
                Lock = job.Lock,
                QueueingLock = job.QueueingLock,
                Args = job.Args,
                ScheduledAt = job.ScheduledAt,
            };
            _jobs.Add(row.Id, row);
            Notify(new JobNotification(JobNotificationKind.JobInserted, row.Id), row.Queue);
            AddScheduledEvent(row);
            row.AddEvent("deferred", now);
            ids.Add(row.Id);
        }

        return ids;
    }

    private bool HoldsQueueingLock(string queueingLock) =>
        _jobs.Values.Any(job => job.Status == JobStatus.Todo && job.QueueingLock == queueingLock);

    /// <summary>
    /// Whether a waiting job with a lock must wait: a running job holds the lock, or a waiting job with the lock comes
    /// first (higher priority, or the same and a smaller id), whatever its queue or schedule.
    /// </summary>
    private bool IsLockBlocked(Row candidate) =>
        candidate.Lock is not null && _jobs.Values.Any(blocker => blocker.Lock == candidate.Lock
            && (blocker.Status == JobStatus.Doing
                || (blocker.Status == JobStatus.Todo
                    && (blocker.Priority > candidate.Priority
                        || (blocker.Priority == candidate.Priority && blocker.Id < candidate.Id)))));

    /// <summary>Throws what PostgreSQL raises when <paramref name="job"/> cannot go back to todo; nothing changed then.</summary>
    private void CheckRetry(Row job)
    {
        if (job.Status == JobStatus.Doing && job.AbortRequested)
        {
            return;
        }

        if (job.AbortRequested)
        {
            throw new InvalidOperationException(
                $"Job {job.Id} cannot be retried: its abort was requested (check_not_todo_abort_requested).");
        }

        if (job.QueueingLock is { } held && HoldsQueueingLock(held))
        {
            throw new AlreadyEnqueuedException(held);
        }
    }

    /// <summary>What <c>procrastinate_finish_job_v1</c> does to a waiting or running job it does not delete.</summary>
    private static void Finish(Row job, JobStatus status, DateTimeOffset now)
    {
        if (job.Status == JobStatus.Doing)
        {
            job.Attempts++;
        }

        job.AbortRequested = false;
        SetStatus(job, status, now);
    }

    /// <summary>What <c>procrastinate_retry_job_v2</c> does to a job that passed <see cref="CheckRetry"/>.</summary>
    private void Retry(Row job, DateTimeOffset retryAt, int? priority, string? queue, string? @lock, DateTimeOffset now)
    {
        if (job.Status == JobStatus.Doing && job.AbortRequested)
        {
            SetStatus(job, JobStatus.Failed, now);
            return;
        }

        job.Attempts++;
        job.ScheduledAt = retryAt;
        job.Priority = priority ?? job.Priority;
        job.Queue = queue ?? job.Queue;
        job.Lock = @lock ?? job.Lock;
        SetStatus(job, JobStatus.Todo, now);
    }

    /// <summary>Changes a job's status and records the events PostgreSQL's triggers record, in their order.</summary>
    private static void SetStatus(Row job, JobStatus status, DateTimeOffset now)
    {
        var old = job.Status;
        job.Status = status;
        AddScheduledEvent(job);
        var type = (old, status) switch
        {
            (JobStatus.Todo, JobStatus.Doing) => "started",
            (JobStatus.Doing, JobStatus.Todo) => "deferred_for_retry",
            (JobStatus.Doing, JobStatus.Succeeded) => "succeeded",
            (JobStatus.Doing, JobStatus.Failed) => "failed",
            (JobStatus.Doing, JobStatus.Aborted) => "aborted",
            (JobStatus.Todo, JobStatus.Cancelled or JobStatus.Succeeded or JobStatus.Failed) => "cancelled",
            (JobStatus.Failed, JobStatus.Todo) => "retried",
            _ => null,
        };
        if (type is not null)
        {
            job.AddEvent(type, now);
        }
    }

    /// <summary>PostgreSQL records <c>scheduled</c> whenever a waiting job with a schedule is written (inserted or updated).</summary>
    private static void AddScheduledEvent(Row job)
    {
        if (job.Status == JobStatus.Todo && job.ScheduledAt is { } at)
        {
            job.AddEvent("scheduled", at);
        }
    }

    private void Delete(Row job)
    {
        _jobs.Remove(job.Id);
        foreach (var claim in _claims.Where(c => c.JobId == job.Id))
        {
            claim.JobId = null;
        }
    }

    /// <summary>Removes a worker; its jobs lose their worker id (an update, so a waiting scheduled job records <c>scheduled</c>).</summary>
    private void RemoveWorker(long workerId)
    {
        if (!_workers.Remove(workerId))
        {
            return;
        }

        foreach (var job in _jobs.Values.Where(job => job.WorkerId == workerId))
        {
            job.WorkerId = null;
            AddScheduledEvent(job);
        }
    }

    private List<Row> Stalled(TimeSpan sinceHeartbeat)
    {
        var limit = Now() - sinceHeartbeat;
        return _jobs.Values
            .Where(job => job.Status == JobStatus.Doing
                && (job.WorkerId is not { } worker || (_workers.TryGetValue(worker, out var beat) && beat < limit)))
            .ToList();
    }

    private IEnumerable<Row> Matching(JobFilter filter) => _jobs.Values.Where(job =>
        (filter.Id is null || job.Id == filter.Id)
        && (filter.Queue is null || job.Queue == filter.Queue)
        && (filter.TaskName is null || job.TaskName == filter.TaskName)
        && (filter.Status is null || job.Status == filter.Status)
        && (filter.Lock is null || job.Lock == filter.Lock)
        && (filter.QueueingLock is null || job.QueueingLock == filter.QueueingLock)
        && (filter.WorkerId is null || job.WorkerId == filter.WorkerId));

    private ValueTask<IReadOnlyList<JobCounts>> CountBy(JobFilter filter, Func<Row, string?> key, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(filter);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            return ValueTask.FromResult<IReadOnlyList<JobCounts>>(Matching(filter)
                .Where(job => key(job) is not null)
                .GroupBy(job => key(job)!, StringComparer.Ordinal)
                .OrderBy(group => group.Key, StringComparer.Ordinal)
                .Select(group => new JobCounts(
                    group.Key,
                    group.LongCount(job => job.Status == JobStatus.Todo),
                    group.LongCount(job => job.Status == JobStatus.Doing),
                    group.LongCount(job => job.Status == JobStatus.Succeeded),
                    group.LongCount(job => job.Status == JobStatus.Failed),
                    group.LongCount(job => job.Status == JobStatus.Cancelled),
                    group.LongCount(job => job.Status == JobStatus.Aborted)))
                .ToList());
        }
    }

    /// <summary>Sends a notification to the subscriptions of its queue (caller holds the lock, so order is commit order).</summary>
    private void Notify(JobNotification notification, string queue)
    {
        foreach (var subscription in _subscriptions)
        {
            subscription.Offer(notification, queue);
        }
    }

    private sealed class Row
    {
        public required long Id { get; init; }

        public required string Queue { get; set; }

        public required string TaskName { get; init; }

        public int Priority { get; set; }

        public string? Lock { get; set; }

        public string? QueueingLock { get; init; }

        public required string Args { get; init; }

        public JobStatus Status { get; set; } = JobStatus.Todo;

        public DateTimeOffset? ScheduledAt { get; set; }

        public int Attempts { get; set; }

        public bool AbortRequested { get; set; }

        public long? WorkerId { get; set; }

        public List<JobEvent> Events { get; } = [];

        public void AddEvent(string type, DateTimeOffset at) => Events.Add(new JobEvent(type, at));

        /// <summary>The errors of failed attempts, one per attempt (as the PostgreSQL error table keeps them).</summary>
        public List<JobAttemptError> Errors { get; } = [];

        /// <summary>Records the error of the attempt that just ended (numbered by the attempts it left), if any.</summary>
        public void AddError(JobError? error, DateTimeOffset at)
        {
            if (error is null)
            {
                return;
            }

            Errors.RemoveAll(e => e.Attempt == Attempts);
            Errors.Add(new JobAttemptError(Attempts, at, error));
        }

        public Job ToJob() => new()
        {
            Id = Id,
            Queue = Queue,
            TaskName = TaskName,
            Priority = Priority,
            Lock = Lock,
            QueueingLock = QueueingLock,
            Args = Args,
            Status = Status,
            ScheduledAt = ScheduledAt,
            Attempts = Attempts,
            AbortRequested = AbortRequested,
            WorkerId = WorkerId,
        };
    }

    private sealed class Claim(string taskName, string periodicId, long deferTimestamp)
    {
        public string TaskName { get; } = taskName;

        public string PeriodicId { get; } = periodicId;

        public long DeferTimestamp { get; } = deferTimestamp;

        public long? JobId { get; set; }
    }
}
