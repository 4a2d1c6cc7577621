namespace Procrastinate.Storage;

/// <summary>How many jobs of one queue, task or lock are in each status.</summary>
/// <param name="Name">The queue, task or lock.</param>
/// <param name="Todo">Jobs waiting.</param>
/// <param name="Doing">Jobs running.</param>
/// <param name="Succeeded">Jobs that succeeded.</param>
/// <param name="Failed">Jobs that failed.</param>
/// <param name="Cancelled">Jobs cancelled.</param>
/// <param name="Aborted">Jobs aborted.</param>
public sealed record JobCounts(string Name, long Todo, long Doing, long Succeeded, long Failed, long Cancelled, long Aborted)
{
    /// <summary>All jobs counted.</summary>
    public long Total => Todo + Doing + Succeeded + Failed + Cancelled + Aborted;
}
