namespace Procrastinate.Storage;

/// <summary>A row of <c>procrastinate_events</c>: what happened to a job, and when.</summary>
/// <param name="Type">
/// The event type as PostgreSQL names it: <c>deferred</c>, <c>started</c>, <c>deferred_for_retry</c>, <c>failed</c>,
/// <c>succeeded</c>, <c>cancelled</c>, <c>abort_requested</c>, <c>aborted</c>, <c>scheduled</c> or <c>retried</c>.
/// </param>
/// <param name="At">When: the store's clock, or the scheduled time for a <c>scheduled</c> event.</param>
public sealed record JobEvent(string Type, DateTimeOffset At);
