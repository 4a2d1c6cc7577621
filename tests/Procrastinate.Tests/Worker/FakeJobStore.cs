using System.Data.Common;
using Procrastinate.Storage;

namespace Procrastinate.Tests.Workers;

/// <summary>
/// A minimal store for the worker tests until the in-memory store lands on main; delete it then.
/// </summary>
internal sealed class FakeJobStore : IJobStore
{
    private readonly object _gate = new();
    private readonly List<Job> _jobs = [];
    private readonly Dictionary<long, DateTimeOffset> _workers = [];
    private readonly List<Func<JobNotification, ValueTask>> _listeners = [];
    private readonly TimeProvider _time;
    private long _nextJobId;
    private long _nextWorkerId;

    public FakeJobStore(TimeProvider? time = null)
    {
        _time = time ?? TimeProvider.System;
    }

    public ValueTask<IReadOnlyList<long>> DeferJobsAsync(IReadOnlyList<JobToDefer> jobs, DbTransaction? transaction = null, CancellationToken cancellationToken = default)
    {
        var ids = new List<long>();
        lock (_gate)
        {
            foreach (var j in jobs)
            {
                var job = new Job
                {
                    Id = ++_nextJobId,
                    Queue = j.Queue,
                    TaskName = j.TaskName,
                    Priority = j.Priority,
                    Lock = j.Lock,
                    QueueingLock = j.QueueingLock,
                    Args = j.Args,
                    ScheduledAt = j.ScheduledAt,
                    Status = JobStatus.Todo,
                };
                _jobs.Add(job);
                ids.Add(job.Id);
            }
        }

        foreach (var id in ids)
        {
            Notify(new JobNotification(JobNotificationKind.JobInserted, id));
        }

        return ValueTask.FromResult<IReadOnlyList<long>>(ids);
    }

    public ValueTask<long?> DeferPeriodicJobAsync(JobToDefer job, string periodicId, long deferTimestamp, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException();

    public ValueTask<IReadOnlyList<Job>> FetchJobsAsync(FetchJobsParams parameters, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            if (!_workers.ContainsKey(parameters.WorkerId))
            {
                throw new InvalidOperationException("unknown worker");
            }

            var now = _time.GetUtcNow();
            var taken = new List<Job>();
            var candidates = _jobs
                .Where(j => j.Status == JobStatus.Todo && (j.ScheduledAt is null || j.ScheduledAt <= now)
                    && (parameters.Queues is null || parameters.Queues.Contains(j.Queue)))
                .OrderByDescending(j => j.Priority).ThenBy(j => j.Id).ToList();
            foreach (var job in candidates)
            {
                if (taken.Count >= parameters.Limit)
                {
                    break;
                }

                if (job.Lock is not null && _jobs.Any(o => o.Lock == job.Lock && o.Status == JobStatus.Doing))
                {
                    continue;
                }

                var doing = job with { Status = JobStatus.Doing, WorkerId = parameters.WorkerId };
                Replace(doing);
                taken.Add(doing);
            }

            return ValueTask.FromResult<IReadOnlyList<Job>>(taken);
        }
    }

    public ValueTask FinishJobsAsync(IReadOnlyList<JobCompletion> completions, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            foreach (var c in completions)
            {
                var job = _jobs.Single(j => j.Id == c.JobId);
                if (c.Delete)
                {
                    _jobs.Remove(job);
                }
                else
                {
                    Replace(job with { Status = c.Status, Attempts = job.Attempts + (job.Status == JobStatus.Doing ? 1 : 0) });
                }
            }
        }

        return ValueTask.CompletedTask;
    }

    public ValueTask RetryJobAsync(RetryJobParams parameters, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            var job = _jobs.SingleOrDefault(j => j.Id == parameters.JobId)
                ?? throw new InvalidOperationException("no such job");
            if (job.AbortRequested)
            {
                Replace(job with { Status = JobStatus.Failed });
            }
            else
            {
                Replace(job with
                {
                    Status = JobStatus.Todo,
                    Attempts = job.Attempts + 1,
                    ScheduledAt = parameters.RetryAt,
                    Priority = parameters.Priority ?? job.Priority,
                    Queue = parameters.Queue ?? job.Queue,
                    Lock = parameters.Lock ?? job.Lock,
                });
            }
        }

        return ValueTask.CompletedTask;
    }

    public ValueTask<bool> CancelJobAsync(long jobId, bool abort = false, bool delete = false, CancellationToken cancellationToken = default)
    {
        var notify = false;
        lock (_gate)
        {
            var job = _jobs.Single(j => j.Id == jobId);
            if (job.Status == JobStatus.Todo)
            {
                Replace(job with { Status = JobStatus.Cancelled, AbortRequested = abort });
            }
            else if (job.Status == JobStatus.Doing && abort)
            {
                Replace(job with { AbortRequested = true });
                notify = true;
            }
            else
            {
                return ValueTask.FromResult(false);
            }
        }

        if (notify)
        {
            Notify(new JobNotification(JobNotificationKind.AbortRequested, jobId));
        }

        return ValueTask.FromResult(true);
    }

    public ValueTask<JobStatus?> GetJobStatusAsync(long jobId, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            return ValueTask.FromResult(_jobs.SingleOrDefault(j => j.Id == jobId)?.Status);
        }
    }

    public ValueTask<IReadOnlyList<long>> ListJobsToAbortAsync(string? queue = null, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            return ValueTask.FromResult<IReadOnlyList<long>>(
                _jobs.Where(j => j.Status == JobStatus.Doing && j.AbortRequested).Select(j => j.Id).ToList());
        }
    }

    public ValueTask<long> RegisterWorkerAsync(CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            var id = ++_nextWorkerId;
            _workers[id] = _time.GetUtcNow();
            return ValueTask.FromResult(id);
        }
    }

    public ValueTask UnregisterWorkerAsync(long workerId, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            RemoveWorker(workerId);
        }

        return ValueTask.CompletedTask;
    }

    public ValueTask UpdateHeartbeatAsync(long workerId, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            if (_workers.ContainsKey(workerId))
            {
                _workers[workerId] = _time.GetUtcNow();
            }
        }

        return ValueTask.CompletedTask;
    }

    public ValueTask<IReadOnlyList<long>> PruneStalledWorkersAsync(TimeSpan olderThan, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            var now = _time.GetUtcNow();
            var old = _workers.Where(w => now - w.Value > olderThan).Select(w => w.Key).ToList();
            old.ForEach(RemoveWorker);
            return ValueTask.FromResult<IReadOnlyList<long>>(old);
        }
    }

    public ValueTask<IReadOnlyList<Job>> GetStalledJobsAsync(TimeSpan sinceHeartbeat, string? queue = null, string? taskName = null, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            return ValueTask.FromResult<IReadOnlyList<Job>>(Stalled(sinceHeartbeat));
        }
    }

    public ValueTask<IReadOnlyList<long>> RetryStalledJobsAsync(TimeSpan sinceHeartbeat, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            var stalled = Stalled(sinceHeartbeat);
            foreach (var job in stalled)
            {
                Replace(job with { Status = JobStatus.Todo, Attempts = job.Attempts + 1, WorkerId = null });
            }

            return ValueTask.FromResult<IReadOnlyList<long>>(stalled.Select(j => j.Id).ToList());
        }
    }

    public ValueTask<int> DeleteOldJobsAsync(DeleteOldJobsParams parameters, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException();

    public ValueTask<IReadOnlyList<Job>> ListJobsAsync(JobFilter filter, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            return ValueTask.FromResult<IReadOnlyList<Job>>(_jobs
                .Where(j => (filter.Id is null || j.Id == filter.Id) && (filter.Status is null || j.Status == filter.Status))
                .ToList());
        }
    }

    public ValueTask<IReadOnlyList<JobCounts>> ListQueuesAsync(JobFilter filter, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException();

    public ValueTask<IReadOnlyList<JobCounts>> ListTasksAsync(JobFilter filter, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException();

    public ValueTask<IReadOnlyList<JobCounts>> ListLocksAsync(JobFilter filter, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException();

    public ValueTask<bool> IsSchemaPresentAsync(CancellationToken cancellationToken = default) => ValueTask.FromResult(true);

    public ValueTask<IAsyncDisposable> ListenAsync(IReadOnlyList<string>? queues, Func<JobNotification, ValueTask> onNotification, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            _listeners.Add(onNotification);
        }

        return ValueTask.FromResult<IAsyncDisposable>(new Subscription(this, onNotification));
    }

    private List<Job> Stalled(TimeSpan sinceHeartbeat)
    {
        var now = _time.GetUtcNow();
        return _jobs.Where(j => j.Status == JobStatus.Doing
            && (j.WorkerId is not { } w || !_workers.TryGetValue(w, out var beat) || now - beat > sinceHeartbeat)).ToList();
    }

    private void RemoveWorker(long workerId)
    {
        _workers.Remove(workerId);
        foreach (var job in _jobs.Where(j => j.WorkerId == workerId).ToList())
        {
            Replace(job with { WorkerId = null });
        }
    }

    private void Replace(Job job) => _jobs[_jobs.FindIndex(j => j.Id == job.Id)] = job;

    private void Notify(JobNotification notification)
    {
        List<Func<JobNotification, ValueTask>> listeners;
        lock (_gate)
        {
            listeners = [.. _listeners];
        }

        foreach (var listener in listeners)
        {
            _ = listener(notification);
        }
    }

    private sealed class Subscription(FakeJobStore store, Func<JobNotification, ValueTask> listener) : IAsyncDisposable
    {
        public ValueTask DisposeAsync()
        {
            lock (store._gate)
            {
                store._listeners.Remove(listener);
            }

            return ValueTask.CompletedTask;
        }
    }
}
