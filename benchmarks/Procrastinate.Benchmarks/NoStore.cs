using System.Data.Common;
using Procrastinate.Storage;

namespace Procrastinate.Benchmarks;

/// <summary>The app needs a store; these benchmarks never reach it (a subclass answers what it needs).</summary>
internal class NoStore : IJobStore
{
    protected static NotSupportedException NotHere() => new("The micro-benchmarks do not use a store.");

    public virtual ValueTask<IReadOnlyList<long>> DeferJobsAsync(IReadOnlyList<JobToDefer> jobs, DbTransaction? transaction = null, CancellationToken cancellationToken = default) => throw NotHere();

    public virtual ValueTask<long?> DeferPeriodicJobAsync(JobToDefer job, string periodicId, long deferTimestamp, CancellationToken cancellationToken = default) => throw NotHere();

    public virtual ValueTask<IReadOnlyList<Job>> FetchJobsAsync(FetchJobsParams parameters, CancellationToken cancellationToken = default) => throw NotHere();

    public virtual ValueTask FinishJobsAsync(IReadOnlyList<JobCompletion> completions, CancellationToken cancellationToken = default) => throw NotHere();

    public virtual ValueTask RetryJobAsync(RetryJobParams parameters, CancellationToken cancellationToken = default) => throw NotHere();

    public virtual ValueTask<bool> CancelJobAsync(long jobId, bool abort = false, bool delete = false, CancellationToken cancellationToken = default) => throw NotHere();

    public virtual ValueTask<JobStatus?> GetJobStatusAsync(long jobId, CancellationToken cancellationToken = default) => throw NotHere();

    public virtual ValueTask<IReadOnlyList<long>> ListJobsToAbortAsync(string? queue = null, CancellationToken cancellationToken = default) => throw NotHere();

    public virtual ValueTask<long> RegisterWorkerAsync(CancellationToken cancellationToken = default) => throw NotHere();

    public virtual ValueTask UnregisterWorkerAsync(long workerId, CancellationToken cancellationToken = default) => throw NotHere();

    public virtual ValueTask UpdateHeartbeatAsync(long workerId, CancellationToken cancellationToken = default) => throw NotHere();

    public virtual ValueTask<IReadOnlyList<long>> PruneStalledWorkersAsync(TimeSpan olderThan, CancellationToken cancellationToken = default) => throw NotHere();

    public virtual ValueTask<IReadOnlyList<Job>> GetStalledJobsAsync(TimeSpan sinceHeartbeat, string? queue = null, string? taskName = null, CancellationToken cancellationToken = default) => throw NotHere();

    public virtual ValueTask<IReadOnlyList<StalledJobRecovery>> RetryStalledJobsAsync(TimeSpan sinceHeartbeat, Func<Job, RetryJobParams?>? retry = null, CancellationToken cancellationToken = default) => throw NotHere();

    public virtual ValueTask<int> DeleteOldJobsAsync(DeleteOldJobsParams parameters, CancellationToken cancellationToken = default) => throw NotHere();

    public virtual ValueTask<IReadOnlyList<Job>> ListJobsAsync(JobFilter filter, CancellationToken cancellationToken = default) => throw NotHere();

    public virtual ValueTask<IReadOnlyList<JobCounts>> ListQueuesAsync(JobFilter filter, CancellationToken cancellationToken = default) => throw NotHere();

    public virtual ValueTask<IReadOnlyList<JobCounts>> ListTasksAsync(JobFilter filter, CancellationToken cancellationToken = default) => throw NotHere();

    public virtual ValueTask<IReadOnlyList<JobCounts>> ListLocksAsync(JobFilter filter, CancellationToken cancellationToken = default) => throw NotHere();

    public virtual ValueTask<bool> DeleteJobAsync(long jobId, CancellationToken cancellationToken = default) => throw NotHere();

    public virtual ValueTask<IReadOnlyList<JobEvent>> ListJobEventsAsync(long jobId, CancellationToken cancellationToken = default) => throw NotHere();

    public virtual ValueTask<IReadOnlyList<EventCounts>> CountEventsByMinuteAsync(TimeSpan period, CancellationToken cancellationToken = default) => throw NotHere();

    public virtual ValueTask<IReadOnlyList<WorkerRegistration>> ListWorkersAsync(CancellationToken cancellationToken = default) => throw NotHere();

    public virtual ValueTask<IReadOnlyList<PeriodicClaim>> ListPeriodicClaimsAsync(CancellationToken cancellationToken = default) => throw NotHere();

    public virtual ValueTask<bool> IsSchemaPresentAsync(CancellationToken cancellationToken = default) => throw NotHere();

    public virtual ValueTask<IAsyncDisposable> ListenAsync(IReadOnlyList<string>? queues, Func<JobNotification, ValueTask> onNotification, CancellationToken cancellationToken = default) => throw NotHere();
}
