namespace Procrastinate;

/// <summary>
/// A worker's id in the store and when the store last recorded it alive; set at registration, changed when the worker
/// registers again after its row was pruned, read by every room.
/// </summary>
internal sealed class WorkerIdentity
{
    private long _id;
    private long _lastHeartbeatTicks;

    /// <summary>The id, or 0 before registration.</summary>
    public long Id => Interlocked.Read(ref _id);

    public DateTimeOffset? LastHeartbeat =>
        Interlocked.Read(ref _lastHeartbeatTicks) is var ticks && ticks != 0 ? new(ticks, TimeSpan.Zero) : null;

    public void Registered(long id, DateTimeOffset now)
    {
        Interlocked.Exchange(ref _id, id);
        HeartbeatWritten(now);
    }

    /// <summary>Takes <paramref name="newId"/> and returns the id it replaces.</summary>
    public long RegisteredAgain(long newId) => Interlocked.Exchange(ref _id, newId);

    public void HeartbeatWritten(DateTimeOffset now) => Interlocked.Exchange(ref _lastHeartbeatTicks, now.UtcTicks);
}
