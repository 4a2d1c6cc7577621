using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Procrastinate;

/// <summary>The jobs running on one worker, by id: the fetch loop adds them, aborts and shutdown reach them here.</summary>
internal sealed class RunningJobs
{
    private readonly ConcurrentDictionary<long, RunningJob> _jobs = new();
    private readonly ILogger _logger;
    private long _started;

    public RunningJobs(ILogger logger)
    {
        _logger = logger;
    }

    public int Count => _jobs.Count;

    public bool IsEmpty => _jobs.IsEmpty;

    /// <summary>How many jobs were added so far.</summary>
    public long StartedCount => Interlocked.Read(ref _started);

    public void Add(RunningJob running)
    {
        Interlocked.Increment(ref _started);
        _jobs[running.Job.Id] = running;
    }

    public void Remove(long jobId) => _jobs.TryRemove(jobId, out _);

    public HashSet<long> Ids() => _jobs.Keys.ToHashSet();

    public List<RunningJob> Snapshot() => _jobs.Values.ToList();

    /// <summary>Completes when every job running now has ended.</summary>
    public Task WhenAllEnded() => Task.WhenAll(_jobs.Values.Select(job => job.Completion));

    /// <summary>Aborts the job of <paramref name="jobId"/> if it runs here.</summary>
    public void Abort(long jobId, AbortReason reason)
    {
        if (_jobs.TryGetValue(jobId, out var running))
        {
            Abort(running, reason);
        }
    }

    public void Abort(RunningJob running, AbortReason reason)
    {
        if (running.Abort(reason))
        {
            WorkerLog.AbortJob(_logger, running.Job.Id, reason);
        }
    }
}
