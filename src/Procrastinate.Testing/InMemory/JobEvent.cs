namespace Procrastinate.Testing.InMemory;

/// <summary>A row of <c>procrastinate_events</c>: what happened to a job, and when.</summary>
/// <param name="Type">
/// The event type as PostgreSQL names it: <c>deferred</c>, <c>started</c>, <c>deferred_for_retry</c>, <c>failed</c>,
/// <c>succeeded</c>, <c>cancelled</c>, <c>abort_requested</c>, <c>aborted</c>, <c>scheduled</c> or <c>retried</c>.
/// </param>
/// <param name="At">When: the store's clock, or the scheduled time for a <c>scheduled</c> event.</param>
public sealed record JobEvent(string Type, DateTimeOffset At);

/// <summary>A claimed tick of a periodic schedule (a row of <c>procrastinate_periodic_defers</c>).</summary>
/// <param name="TaskName">The periodic task.</param>
/// <param name="PeriodicId">The schedule's id (empty for the default one).</param>
/// <param name="DeferTimestamp">The tick, in Unix seconds.</param>
/// <param name="JobId">The job deferred for it, or <see langword="null"/> once that job was deleted.</param>
public sealed record PeriodicClaim(string TaskName, string PeriodicId, long DeferTimestamp, long? JobId);

/// <summary>A registered worker (a row of <c>procrastinate_workers</c>).</summary>
/// <param name="Id">The worker id.</param>
/// <param name="LastHeartbeat">When it last said it is alive.</param>
public sealed record WorkerRegistration(long Id, DateTimeOffset LastHeartbeat);

/// <summary>A job together with its arguments read by the task's typed reader.</summary>
/// <typeparam name="TArgs">The task's generated arguments type.</typeparam>
/// <param name="Job">The job.</param>
/// <param name="Args">Its arguments.</param>
public sealed record TypedJob<TArgs>(Job Job, TArgs Args);
