using Procrastinate.Storage;

namespace Procrastinate.Testing.InMemory;

/// <content>Synchronous reads for test assertions, typed by the generated task handles.</content>
public sealed partial class InMemoryJobStore
{
    /// <summary>
    /// The arguments of the waiting (<see cref="JobStatus.Todo"/>) jobs of <paramref name="task"/>, by id: what was
    /// deferred and has not run yet. For example <c>store.Deferred(WriteAlphabet.Handle)</c>.
    /// </summary>
    /// <exception cref="TaskArgumentsException">A job's arguments do not fit the task.</exception>
    public IReadOnlyList<TArgs> Deferred<TArgs>(TaskHandle<TArgs> task) =>
        Jobs(task, JobStatus.Todo).Select(job => job.Args).ToList();

    /// <summary>The jobs of <paramref name="task"/> (of one status, or all), by id, with their typed arguments.</summary>
    /// <exception cref="TaskArgumentsException">A job's arguments do not fit the task.</exception>
    public IReadOnlyList<TypedJob<TArgs>> Jobs<TArgs>(TaskHandle<TArgs> task, JobStatus? status = null)
    {
        ArgumentNullException.ThrowIfNull(task);
        return Jobs(new Storage.JobFilter { TaskName = task.Definition.Name, Status = status })
            .Select(job => new TypedJob<TArgs>(job, task.ReadArgs(job.Args)))
            .ToList();
    }

    /// <summary>The jobs matching <paramref name="filter"/> (everything when unset), by id.</summary>
    public IReadOnlyList<Job> Jobs(Storage.JobFilter? filter = null)
    {
        lock (_gate)
        {
            return Matching(filter ?? Storage.JobFilter.All).Select(job => job.ToJob()).ToList();
        }
    }

    /// <summary>The events of a job in the order they were recorded; empty for a job that does not exist.</summary>
    public IReadOnlyList<JobEvent> GetEvents(long jobId)
    {
        lock (_gate)
        {
            return _jobs.TryGetValue(jobId, out var job) ? [.. job.Events] : [];
        }
    }

    /// <summary>The registered workers, by id.</summary>
    public IReadOnlyList<WorkerRegistration> GetWorkers()
    {
        lock (_gate)
        {
            return _workers.Select(w => new WorkerRegistration(w.Key, w.Value)).ToList();
        }
    }

    /// <summary>The claimed ticks of periodic schedules (the latest of each task and schedule), oldest claim first.</summary>
    public IReadOnlyList<PeriodicClaim> GetPeriodicClaims()
    {
        lock (_gate)
        {
            return _claims.Select(c => new PeriodicClaim(c.TaskName, c.PeriodicId, c.DeferTimestamp, c.JobId)).ToList();
        }
    }

    /// <summary>The earliest schedule of a waiting job later than the clock's now, if any, in the given queues.</summary>
    internal DateTimeOffset? NextScheduledAt(IReadOnlyList<string>? queues)
    {
        lock (_gate)
        {
            var now = Now();
            return _jobs.Values
                .Where(job => job.Status == JobStatus.Todo && job.ScheduledAt > now
                    && (queues is null || queues.Contains(job.Queue, StringComparer.Ordinal)))
                .Min(job => job.ScheduledAt);
        }
    }
}
