namespace Procrastinate;

/// <summary>
/// A worker's id in the store and when the store last recorded it alive; set at registration, changed when the worker
/// registers again (after its row was pruned, or after a fence), read by every room. It also holds the fence: set when
/// the worker has not written a heartbeat for <see cref="WorkerSettings.HeartbeatFenceTimeout"/>, cleared once it
/// enrolled again under a new id.
/// </summary>
internal sealed class WorkerIdentity
{
    private long _id;
    private long _lastHeartbeatTicks;
    private long _heartbeatSentTimestamp;
    private int _fenced;
    private int _heartbeatSinceFence;

    /// <summary>The id, or 0 before registration.</summary>
    public long Id => Interlocked.Read(ref _id);

    public DateTimeOffset? LastHeartbeat =>
        Interlocked.Read(ref _lastHeartbeatTicks) is var ticks && ticks != 0 ? new(ticks, TimeSpan.Zero) : null;

    /// <summary>
    /// When (a <see cref="TimeProvider.GetTimestamp"/> value) the last heartbeat that the store recorded was sent: the
    /// store's time of it is no earlier, so the time since then bounds how old other workers see it.
    /// </summary>
    public long HeartbeatSentTimestamp => Interlocked.Read(ref _heartbeatSentTimestamp);

    /// <summary>Whether the worker is fenced: its runs were aborted, and it fetches nothing until it enrolled again.</summary>
    public bool IsFenced => Volatile.Read(ref _fenced) != 0;

    /// <summary>Whether a heartbeat was recorded since the fence: the store is reachable again.</summary>
    public bool HeartbeatSinceFence => Volatile.Read(ref _heartbeatSinceFence) != 0;

    /// <param name="id">The id the store gave.</param>
    /// <param name="now">The time now.</param>
    /// <param name="sentTimestamp">When the registration was sent (a <see cref="TimeProvider.GetTimestamp"/> value).</param>
    public void Registered(long id, DateTimeOffset now, long sentTimestamp)
    {
        Interlocked.Exchange(ref _id, id);
        HeartbeatWritten(now, sentTimestamp);
    }

    /// <summary>Takes <paramref name="newId"/> and returns the id it replaces.</summary>
    public long RegisteredAgain(long newId) => Interlocked.Exchange(ref _id, newId);

    /// <summary>The store recorded a heartbeat sent at <paramref name="sentTimestamp"/>.</summary>
    public void HeartbeatWritten(DateTimeOffset now, long sentTimestamp)
    {
        Interlocked.Exchange(ref _lastHeartbeatTicks, now.UtcTicks);
        Interlocked.Exchange(ref _heartbeatSentTimestamp, sentTimestamp);
        if (IsFenced)
        {
            Volatile.Write(ref _heartbeatSinceFence, 1);
        }
    }

    /// <summary>Fences the worker; returns whether this call did (it was not fenced yet).</summary>
    public bool TryFence()
    {
        if (Interlocked.CompareExchange(ref _fenced, 1, 0) != 0)
        {
            return false;
        }

        Volatile.Write(ref _heartbeatSinceFence, 0);
        return true;
    }

    /// <summary>Lifts the fence: the worker enrolled again as <paramref name="newId"/>, registered at <paramref name="sentTimestamp"/>.</summary>
    /// <returns>The id it replaces.</returns>
    public long EnrolledAgain(long newId, DateTimeOffset now, long sentTimestamp)
    {
        var old = RegisteredAgain(newId);
        HeartbeatWritten(now, sentTimestamp);
        Volatile.Write(ref _heartbeatSinceFence, 0);
        Volatile.Write(ref _fenced, 0);
        return old;
    }
}
