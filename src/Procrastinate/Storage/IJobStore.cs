using System.Data.Common;

namespace Procrastinate.Storage;

/// <summary>
/// The storage seam: every operation the app, the worker and the command line need, with the semantics of
/// Procrastinate's database contract (SCHEMA.md). The PostgreSQL store and the in-memory store implement it alike,
/// and one contract test suite holds both to it. Implementations must be safe for concurrent use.
/// </summary>
/// <remarks>
/// This interface serves the library's own stores and may grow between minor versions; application code normally
/// uses <see cref="ProcrastinateApp"/> and the generated task handles instead.
/// </remarks>
public interface IJobStore
{
    /// <summary>
    /// Inserts jobs in one all-or-nothing step and returns their ids in input order. With a transaction, the jobs
    /// exist (and workers are notified) only if that transaction commits.
    /// </summary>
    /// <exception cref="AlreadyEnqueuedException">A queueing lock is taken (also between jobs of the batch); nothing was inserted.</exception>
    /// <exception cref="NotSupportedException">The store cannot join <paramref name="transaction"/>'s kind of transaction.</exception>
    ValueTask<IReadOnlyList<long>> DeferJobsAsync(
        IReadOnlyList<JobToDefer> jobs,
        DbTransaction? transaction = null,
        CancellationToken cancellationToken = default);

    /// <summary>
    /// Defers the tick <paramref name="deferTimestamp"/> of a periodic schedule unless any worker already did;
    /// returns the new job id, or <see langword="null"/> when the tick, or a later tick of the same task and periodic
    /// id, was already claimed (the database forgets older claims, so a late worker must not claim them again).
    /// </summary>
    /// <exception cref="AlreadyEnqueuedException">The job's queueing lock is taken.</exception>
    ValueTask<long?> DeferPeriodicJobAsync(
        JobToDefer job,
        string periodicId,
        long deferTimestamp,
        CancellationToken cancellationToken = default);

    /// <summary>
    /// Takes up to <see cref="FetchJobsParams.Limit"/> runnable jobs (status, schedule, queues, locks and their
    /// ordering, priority then id), marks them <see cref="JobStatus.Doing"/> on the worker and returns them.
    /// </summary>
    ValueTask<IReadOnlyList<Job>> FetchJobsAsync(FetchJobsParams parameters, CancellationToken cancellationToken = default);

    /// <summary>Ends jobs as succeeded, failed or aborted (or deletes them), incrementing attempts of running jobs.</summary>
    /// <remarks>
    /// A completion with a <see cref="JobCompletion.WorkerId"/> whose job no longer runs on that worker is dropped
    /// (a warning, no exception), and the rest of the batch is applied.
    /// </remarks>
    ValueTask FinishJobsAsync(IReadOnlyList<JobCompletion> completions, CancellationToken cancellationToken = default);

    /// <summary>
    /// Ends <paramref name="completions"/> as <see cref="FinishJobsAsync"/> does, then takes jobs as
    /// <see cref="FetchJobsAsync"/> does (a lock the completions release is free for that fetch). Workers call it to
    /// record the runs that just ended and take new jobs in one step; a store may do both in one round trip and one
    /// transaction. This default makes the two calls one after the other.
    /// </summary>
    /// <remarks>
    /// When it throws, the PostgreSQL store recorded nothing and took nothing; this default may have recorded the
    /// completions already (recording one again is then rejected as for any job that is no longer running).
    /// </remarks>
    /// <exception cref="InvalidOperationException">A job does not exist or is neither waiting nor running.</exception>
    async ValueTask<IReadOnlyList<Job>> FinishAndFetchJobsAsync(
        IReadOnlyList<JobCompletion> completions,
        FetchJobsParams parameters,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentOutOfRangeException.ThrowIfLessThan(parameters.Limit, 1, nameof(parameters));
        await FinishJobsAsync(completions, cancellationToken).ConfigureAwait(false);
        return await FetchJobsAsync(parameters, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Puts a running or failed job back to <see cref="JobStatus.Todo"/> at a new time; a running job whose abort was
    /// requested ends <see cref="JobStatus.Failed"/> instead.
    /// </summary>
    /// <remarks>
    /// With a <see cref="RetryJobParams.WorkerId"/> whose job no longer runs on that worker, nothing changes (a
    /// warning, no exception).
    /// </remarks>
    /// <exception cref="InvalidOperationException">The job does not exist or is in another status.</exception>
    ValueTask RetryJobAsync(RetryJobParams parameters, CancellationToken cancellationToken = default);

    /// <summary>
    /// Cancels a waiting job; with <paramref name="abort"/> also requests the abort of a running one; with
    /// <paramref name="delete"/> deletes a waiting one. Returns whether anything changed.
    /// </summary>
    ValueTask<bool> CancelJobAsync(long jobId, bool abort = false, bool delete = false, CancellationToken cancellationToken = default);

    /// <summary>Returns the status of a job, or <see langword="null"/> when it does not exist.</summary>
    ValueTask<JobStatus?> GetJobStatusAsync(long jobId, CancellationToken cancellationToken = default);

    /// <summary>Ids of running jobs whose abort was requested, optionally of one queue.</summary>
    ValueTask<IReadOnlyList<long>> ListJobsToAbortAsync(string? queue = null, CancellationToken cancellationToken = default);

    /// <summary>Registers a worker and returns its id; fetching needs one.</summary>
    ValueTask<long> RegisterWorkerAsync(CancellationToken cancellationToken = default);

    /// <summary>Removes a worker; its jobs keep running rows with no worker.</summary>
    ValueTask UnregisterWorkerAsync(long workerId, CancellationToken cancellationToken = default);

    /// <summary>Records that a worker is alive.</summary>
    ValueTask UpdateHeartbeatAsync(long workerId, CancellationToken cancellationToken = default);

    /// <summary>Removes workers whose heartbeat is older than <paramref name="olderThan"/> and returns their ids.</summary>
    ValueTask<IReadOnlyList<long>> PruneStalledWorkersAsync(TimeSpan olderThan, CancellationToken cancellationToken = default);

    /// <summary>Running jobs whose worker is gone or has not sent a heartbeat for <paramref name="sinceHeartbeat"/>.</summary>
    ValueTask<IReadOnlyList<Job>> GetStalledJobsAsync(
        TimeSpan sinceHeartbeat,
        string? queue = null,
        string? taskName = null,
        CancellationToken cancellationToken = default);

    /// <summary>
    /// Handles every stalled job (see <see cref="GetStalledJobsAsync"/>) exactly once, even when several workers call
    /// this at the same time: the lost run counts as an attempt, and <paramref name="retry"/> decides whether the job
    /// goes back to <see cref="JobStatus.Todo"/> or ends <see cref="JobStatus.Failed"/>. Returns every job it handled,
    /// by id, with the status it got.
    /// </summary>
    /// <param name="sinceHeartbeat">How long a worker may be silent before its running jobs count as stalled.</param>
    /// <param name="retry">
    /// Called once per stalled job (whose abort was not requested) while the store holds it, so it must be quick and must
    /// not call the store: returns when and how the job runs again (its <see cref="RetryJobParams.JobId"/> must be the
    /// job's), or <see langword="null"/> to fail it. The job it gets is still running: <see cref="Job.Attempts"/> counts
    /// the runs before the lost one. Without it every job runs again at once.
    /// </param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <remarks>
    /// Stalled jobs are taken by id. A retried job is recorded like <see cref="RetryJobAsync"/> (attempts counted, a
    /// <c>deferred_for_retry</c> event), a failed one like <see cref="FinishJobsAsync"/> (attempts counted, a
    /// <c>failed</c> event): Procrastinate's own functions, statuses and events, so Python workers sharing the database
    /// see nothing new. An abort-requested job ends <see cref="JobStatus.Failed"/> (attempts unchanged, like
    /// <see cref="RetryJobAsync"/> on such a job). One that would go back to todo while its queueing lock is held by a
    /// waiting job, or by a smaller id that this call puts back to todo, also ends <see cref="JobStatus.Failed"/>
    /// (attempts counted) since the job holding the lock does the same work; so a taken queueing lock never blocks the
    /// recovery of the other stalled jobs.
    /// </remarks>
    /// <exception cref="ArgumentException"><paramref name="retry"/> returned parameters for another job.</exception>
    ValueTask<IReadOnlyList<StalledJobRecovery>> RetryStalledJobsAsync(
        TimeSpan sinceHeartbeat,
        Func<Job, RetryJobParams?>? retry = null,
        CancellationToken cancellationToken = default);

    /// <summary>Deletes finished jobs whose latest event is older than the given age; returns how many.</summary>
    ValueTask<int> DeleteOldJobsAsync(DeleteOldJobsParams parameters, CancellationToken cancellationToken = default);

    /// <summary>Jobs matching <paramref name="filter"/>, by id (largest first with <see cref="JobFilter.Descending"/>).</summary>
    ValueTask<IReadOnlyList<Job>> ListJobsAsync(JobFilter filter, CancellationToken cancellationToken = default);

    /// <summary>Job counts per queue, by name.</summary>
    ValueTask<IReadOnlyList<JobCounts>> ListQueuesAsync(JobFilter filter, CancellationToken cancellationToken = default);

    /// <summary>Job counts per task, by name.</summary>
    ValueTask<IReadOnlyList<JobCounts>> ListTasksAsync(JobFilter filter, CancellationToken cancellationToken = default);

    /// <summary>Job counts per lock (jobs without a lock left out), by name.</summary>
    ValueTask<IReadOnlyList<JobCounts>> ListLocksAsync(JobFilter filter, CancellationToken cancellationToken = default);

    /// <summary>
    /// Deletes a finished job (succeeded, failed, cancelled or aborted) with its events; returns whether it did (a
    /// waiting or running job, or one that does not exist, is left alone).
    /// </summary>
    ValueTask<bool> DeleteJobAsync(long jobId, CancellationToken cancellationToken = default);

    /// <summary>
    /// The events of a job (the rows of <c>procrastinate_events</c>), in the order they were recorded; empty for a
    /// job that does not exist.
    /// </summary>
    ValueTask<IReadOnlyList<JobEvent>> ListJobEventsAsync(long jobId, CancellationToken cancellationToken = default);

    /// <summary>
    /// The errors recorded for a job's failed attempts (<see cref="JobCompletion.Error"/>, <see cref="RetryJobParams.Error"/>),
    /// by attempt; empty for a job without any (or that does not exist). <see langword="null"/> when the store keeps no
    /// errors at all: the PostgreSQL store keeps them only once its opt-in table exists (Procrastinate's schema has no
    /// place for them), and this default keeps none.
    /// </summary>
    ValueTask<IReadOnlyList<JobAttemptError>?> ListJobErrorsAsync(long jobId, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult<IReadOnlyList<JobAttemptError>?>(null);

    /// <summary>
    /// Jobs deferred, succeeded and failed per minute over the last <paramref name="period"/> of the store's clock,
    /// oldest minute first; minutes without any of these events are left out.
    /// </summary>
    ValueTask<IReadOnlyList<EventCounts>> CountEventsByMinuteAsync(TimeSpan period, CancellationToken cancellationToken = default);

    /// <summary>The registered workers with their last heartbeat, by id.</summary>
    ValueTask<IReadOnlyList<WorkerRegistration>> ListWorkersAsync(CancellationToken cancellationToken = default);

    /// <summary>The claimed ticks of periodic schedules (the latest of each task and schedule), oldest claim first.</summary>
    ValueTask<IReadOnlyList<PeriodicClaim>> ListPeriodicClaimsAsync(CancellationToken cancellationToken = default);

    /// <summary>Whether the store is reachable and holds the schema.</summary>
    ValueTask<bool> IsSchemaPresentAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Checks that the store's schema has everything the library uses; a worker calls it at start. This default checks
    /// nothing (a store without a schema of its own).
    /// </summary>
    /// <exception cref="SchemaUnusableException">
    /// Something is missing or different; the message names it on one line. Calling again does not help.
    /// </exception>
    /// <exception cref="StoreUnavailableException">The store cannot be reached (the check did not take place).</exception>
    ValueTask EnsureSchemaUsableAsync(CancellationToken cancellationToken = default) => ValueTask.CompletedTask;

    /// <summary>
    /// Starts listening for notifications on the given queues (all when <see langword="null"/>). Returns once the
    /// first attempt to listen is done; a lost connection is re-established in the background until the returned
    /// subscription is disposed, and never surfaces as an exception.
    /// </summary>
    ValueTask<IAsyncDisposable> ListenAsync(
        IReadOnlyList<string>? queues,
        Func<JobNotification, ValueTask> onNotification,
        CancellationToken cancellationToken = default);
}
