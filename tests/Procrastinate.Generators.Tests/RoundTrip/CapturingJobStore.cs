using System.Data.Common;
using Procrastinate.Storage;

namespace Procrastinate.Generators.Tests.RoundTrip;

/// <summary>A store that only records deferred jobs; everything else is out of these tests' scope.</summary>
internal sealed class CapturingJobStore : IJobStore
{
    private long _nextId;

    public List<(JobToDefer Job, DbTransaction? Transaction, long Id)> Deferred { get; } = [];

    public ValueTask<IReadOnlyList<long>> DeferJobsAsync(IReadOnlyList<JobToDefer> jobs, DbTransaction? transaction = null, CancellationToken cancellationToken = default)
    {
        var ids = new List<long>();
        foreach (var job in jobs)
        {
            var id = ++_nextId;
            Deferred.Add((job, transaction, id));
            ids.Add(id);
        }

        return ValueTask.FromResult<IReadOnlyList<long>>(ids);
    }

    public ValueTask<long?> DeferPeriodicJobAsync(JobToDefer job, string periodicId, long deferTimestamp, CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public ValueTask<IReadOnlyList<Job>> FetchJobsAsync(FetchJobsParams parameters, CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public ValueTask FinishJobsAsync(IReadOnlyList<JobCompletion> completions, CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public ValueTask RetryJobAsync(RetryJobParams parameters, CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public ValueTask<bool> CancelJobAsync(long jobId, bool abort = false, bool delete = false, CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public ValueTask<JobStatus?> GetJobStatusAsync(long jobId, CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public ValueTask<IReadOnlyList<long>> ListJobsToAbortAsync(string? queue = null, CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public ValueTask<long> RegisterWorkerAsync(CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public ValueTask UnregisterWorkerAsync(long workerId, CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public ValueTask UpdateHeartbeatAsync(long workerId, CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public ValueTask<IReadOnlyList<long>> PruneStalledWorkersAsync(TimeSpan olderThan, CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public ValueTask<IReadOnlyList<Job>> GetStalledJobsAsync(TimeSpan sinceHeartbeat, string? queue = null, string? taskName = null, CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public ValueTask<IReadOnlyList<StalledJobRecovery>> RetryStalledJobsAsync(TimeSpan sinceHeartbeat, Func<Job, RetryJobParams?>? retry = null, CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public ValueTask<int> DeleteOldJobsAsync(DeleteOldJobsParams parameters, CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public ValueTask<IReadOnlyList<Job>> ListJobsAsync(JobFilter filter, CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public ValueTask<IReadOnlyList<JobCounts>> ListQueuesAsync(JobFilter filter, CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public ValueTask<IReadOnlyList<JobCounts>> ListTasksAsync(JobFilter filter, CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public ValueTask<IReadOnlyList<JobCounts>> ListLocksAsync(JobFilter filter, CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public ValueTask<bool> DeleteJobAsync(long jobId, CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public ValueTask<IReadOnlyList<JobEvent>> ListJobEventsAsync(long jobId, CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public ValueTask<IReadOnlyList<EventCounts>> CountEventsByMinuteAsync(TimeSpan period, CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public ValueTask<IReadOnlyList<WorkerRegistration>> ListWorkersAsync(CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public ValueTask<IReadOnlyList<PeriodicClaim>> ListPeriodicClaimsAsync(CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public ValueTask<bool> IsSchemaPresentAsync(CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public ValueTask<IAsyncDisposable> ListenAsync(IReadOnlyList<string>? queues, Func<JobNotification, ValueTask> onNotification, CancellationToken cancellationToken = default) => throw new NotSupportedException();
}
