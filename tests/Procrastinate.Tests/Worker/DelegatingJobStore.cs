using System.Data.Common;
using Procrastinate.Storage;

namespace Procrastinate.Tests.Workers;

/// <summary>A store that hands every call to another; tests override what they watch or break.</summary>
internal class DelegatingJobStore(IJobStore inner) : IJobStore
{
    /// <summary>Called before each call the worker makes, with the operation's name.</summary>
    protected virtual void OnCall(string operation)
    {
    }

    public virtual ValueTask<IReadOnlyList<long>> DeferJobsAsync(IReadOnlyList<JobToDefer> jobs, DbTransaction? transaction = null, CancellationToken cancellationToken = default) =>
        inner.DeferJobsAsync(jobs, transaction, cancellationToken);

    public virtual ValueTask<long?> DeferPeriodicJobAsync(JobToDefer job, string periodicId, long deferTimestamp, CancellationToken cancellationToken = default)
    {
        OnCall(nameof(DeferPeriodicJobAsync));
        return inner.DeferPeriodicJobAsync(job, periodicId, deferTimestamp, cancellationToken);
    }

    public virtual ValueTask<IReadOnlyList<Job>> FetchJobsAsync(FetchJobsParams parameters, CancellationToken cancellationToken = default)
    {
        OnCall(nameof(FetchJobsAsync));
        return inner.FetchJobsAsync(parameters, cancellationToken);
    }

    public virtual ValueTask FinishJobsAsync(IReadOnlyList<JobCompletion> completions, CancellationToken cancellationToken = default)
    {
        OnCall(nameof(FinishJobsAsync));
        return inner.FinishJobsAsync(completions, cancellationToken);
    }

    public virtual ValueTask RetryJobAsync(RetryJobParams parameters, CancellationToken cancellationToken = default)
    {
        OnCall(nameof(RetryJobAsync));
        return inner.RetryJobAsync(parameters, cancellationToken);
    }

    public virtual ValueTask<bool> CancelJobAsync(long jobId, bool abort = false, bool delete = false, CancellationToken cancellationToken = default) =>
        inner.CancelJobAsync(jobId, abort, delete, cancellationToken);

    public virtual ValueTask<JobStatus?> GetJobStatusAsync(long jobId, CancellationToken cancellationToken = default) =>
        inner.GetJobStatusAsync(jobId, cancellationToken);

    public virtual ValueTask<IReadOnlyList<long>> ListJobsToAbortAsync(string? queue = null, CancellationToken cancellationToken = default)
    {
        OnCall(nameof(ListJobsToAbortAsync));
        return inner.ListJobsToAbortAsync(queue, cancellationToken);
    }

    public virtual ValueTask<long> RegisterWorkerAsync(CancellationToken cancellationToken = default)
    {
        OnCall(nameof(RegisterWorkerAsync));
        return inner.RegisterWorkerAsync(cancellationToken);
    }

    public virtual ValueTask UnregisterWorkerAsync(long workerId, CancellationToken cancellationToken = default)
    {
        OnCall(nameof(UnregisterWorkerAsync));
        return inner.UnregisterWorkerAsync(workerId, cancellationToken);
    }

    public virtual ValueTask UpdateHeartbeatAsync(long workerId, CancellationToken cancellationToken = default)
    {
        OnCall(nameof(UpdateHeartbeatAsync));
        return inner.UpdateHeartbeatAsync(workerId, cancellationToken);
    }

    public virtual ValueTask<IReadOnlyList<long>> PruneStalledWorkersAsync(TimeSpan olderThan, CancellationToken cancellationToken = default)
    {
        OnCall(nameof(PruneStalledWorkersAsync));
        return inner.PruneStalledWorkersAsync(olderThan, cancellationToken);
    }

    public virtual ValueTask<IReadOnlyList<Job>> GetStalledJobsAsync(TimeSpan sinceHeartbeat, string? queue = null, string? taskName = null, CancellationToken cancellationToken = default) =>
        inner.GetStalledJobsAsync(sinceHeartbeat, queue, taskName, cancellationToken);

    public virtual ValueTask<IReadOnlyList<StalledJobRecovery>> RetryStalledJobsAsync(TimeSpan sinceHeartbeat, Func<Job, RetryJobParams?>? retry = null, CancellationToken cancellationToken = default)
    {
        OnCall(nameof(RetryStalledJobsAsync));
        return inner.RetryStalledJobsAsync(sinceHeartbeat, retry, cancellationToken);
    }

    public virtual ValueTask<int> DeleteOldJobsAsync(DeleteOldJobsParams parameters, CancellationToken cancellationToken = default) =>
        inner.DeleteOldJobsAsync(parameters, cancellationToken);

    public virtual ValueTask<IReadOnlyList<Job>> ListJobsAsync(JobFilter filter, CancellationToken cancellationToken = default) =>
        inner.ListJobsAsync(filter, cancellationToken);

    public virtual ValueTask<IReadOnlyList<JobCounts>> ListQueuesAsync(JobFilter filter, CancellationToken cancellationToken = default) =>
        inner.ListQueuesAsync(filter, cancellationToken);

    public virtual ValueTask<IReadOnlyList<JobCounts>> ListTasksAsync(JobFilter filter, CancellationToken cancellationToken = default) =>
        inner.ListTasksAsync(filter, cancellationToken);

    public virtual ValueTask<IReadOnlyList<JobCounts>> ListLocksAsync(JobFilter filter, CancellationToken cancellationToken = default) =>
        inner.ListLocksAsync(filter, cancellationToken);

    public virtual ValueTask<bool> DeleteJobAsync(long jobId, CancellationToken cancellationToken = default) =>
        inner.DeleteJobAsync(jobId, cancellationToken);

    public virtual ValueTask<IReadOnlyList<JobEvent>> ListJobEventsAsync(long jobId, CancellationToken cancellationToken = default) =>
        inner.ListJobEventsAsync(jobId, cancellationToken);

    public virtual ValueTask<IReadOnlyList<EventCounts>> CountEventsByMinuteAsync(TimeSpan period, CancellationToken cancellationToken = default) =>
        inner.CountEventsByMinuteAsync(period, cancellationToken);

    public virtual ValueTask<IReadOnlyList<WorkerRegistration>> ListWorkersAsync(CancellationToken cancellationToken = default) =>
        inner.ListWorkersAsync(cancellationToken);

    public virtual ValueTask<IReadOnlyList<PeriodicClaim>> ListPeriodicClaimsAsync(CancellationToken cancellationToken = default) =>
        inner.ListPeriodicClaimsAsync(cancellationToken);

    public virtual ValueTask<bool> IsSchemaPresentAsync(CancellationToken cancellationToken = default) =>
        inner.IsSchemaPresentAsync(cancellationToken);

    public virtual ValueTask<IAsyncDisposable> ListenAsync(IReadOnlyList<string>? queues, Func<JobNotification, ValueTask> onNotification, CancellationToken cancellationToken = default) =>
        inner.ListenAsync(queues, onNotification, cancellationToken);
}
