namespace Procrastinate.Storage;

/// <summary>How many jobs were deferred, succeeded and failed in one minute (from <c>procrastinate_events</c>).</summary>
/// <param name="Minute">The start of the minute, in UTC.</param>
/// <param name="Deferred">Jobs deferred (inserted) in that minute.</param>
/// <param name="Succeeded">Jobs that succeeded in that minute.</param>
/// <param name="Failed">Jobs that failed in that minute (each failed attempt that was not retried).</param>
public sealed record EventCounts(DateTimeOffset Minute, long Deferred, long Succeeded, long Failed);
