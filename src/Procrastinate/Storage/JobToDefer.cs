namespace Procrastinate.Storage;

/// <summary>A job to insert, with every default already resolved.</summary>
/// <param name="TaskName">The task's registered name.</param>
/// <param name="Queue">The queue, at most 40 UTF-8 bytes.</param>
/// <param name="Args">The arguments, a JSON object.</param>
/// <param name="Priority">Higher runs first.</param>
/// <param name="Lock">The lock, or <see langword="null"/>.</param>
/// <param name="QueueingLock">The queueing lock, or <see langword="null"/>.</param>
/// <param name="ScheduledAt">Earliest start, or <see langword="null"/> for now.</param>
public sealed record JobToDefer(
    string TaskName,
    string Queue,
    string Args,
    int Priority = 0,
    string? Lock = null,
    string? QueueingLock = null,
    DateTimeOffset? ScheduledAt = null)
{
    /// <summary>
    /// The W3C <c>traceparent</c> of the span that deferred the job, or <see langword="null"/>. Set when tracing is
    /// on; a store keeps it only where it has room for it (see <c>docs/hosting.md</c>, "Tracing").
    /// </summary>
    public string? TraceParent { get; init; }

    /// <summary>The W3C <c>tracestate</c> going with <see cref="TraceParent"/>, or <see langword="null"/>.</summary>
    public string? TraceState { get; init; }
}
