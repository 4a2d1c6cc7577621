using System.Collections.Concurrent;
using Procrastinate.Storage;
using Procrastinate.Testing.InMemory;
using Procrastinate.Tests.Workers;

namespace Procrastinate.Tests.Scheduling;

/// <summary>
/// A store whose periodic defers claim (task, periodic id, timestamp) once, never behind a later claim, as the
/// PostgreSQL store does, and record every
/// job created; it can fail on demand and reject queueing locks it is told are taken.
/// </summary>
internal sealed class PeriodicStore(TimeProvider? time = null) : DelegatingJobStore(new InMemoryJobStore(time))
{
    private readonly HashSet<(string Task, string PeriodicId, long Timestamp)> _claims = [];
    private long _nextId;

    public ConcurrentQueue<(JobToDefer Job, string PeriodicId, long Timestamp, long Id)> Deferred { get; } = new();

    public int Calls;

    /// <summary>Throw from every periodic defer while set (a database outage).</summary>
    public volatile bool Down;

    /// <summary>Queueing locks held by waiting jobs.</summary>
    public ConcurrentDictionary<string, bool> TakenLocks { get; } = new();

    /// <summary>Claims a tick as another worker would.</summary>
    public void Claim(string task, string periodicId, long timestamp)
    {
        lock (_claims)
        {
            _claims.Add((task, periodicId, timestamp));
        }
    }

    public override ValueTask<long?> DeferPeriodicJobAsync(JobToDefer job, string periodicId, long deferTimestamp, CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref Calls);
        if (Down)
        {
            throw new TimeoutException("database down");
        }

        if (job.QueueingLock is { } queueingLock && TakenLocks.ContainsKey(queueingLock))
        {
            throw new AlreadyEnqueuedException(queueingLock);
        }

        lock (_claims)
        {
            if (_claims.Any(c => c.Task == job.TaskName && c.PeriodicId == periodicId && c.Timestamp >= deferTimestamp))
            {
                return ValueTask.FromResult<long?>(null);
            }

            _claims.Add((job.TaskName, periodicId, deferTimestamp));
        }

        var id = Interlocked.Increment(ref _nextId);
        Deferred.Enqueue((job, periodicId, deferTimestamp, id));
        return ValueTask.FromResult<long?>(id);
    }

    public List<long> Timestamps(string task) =>
        Deferred.Where(d => d.Job.TaskName == task).Select(d => d.Timestamp).ToList();
}
