namespace Procrastinate.Storage;

/// <summary>A claimed tick of a periodic schedule (a row of <c>procrastinate_periodic_defers</c>).</summary>
/// <param name="TaskName">The periodic task.</param>
/// <param name="PeriodicId">The schedule's id (empty for the default one).</param>
/// <param name="DeferTimestamp">The tick, in Unix seconds.</param>
/// <param name="JobId">The job deferred for it, or <see langword="null"/> once that job was deleted.</param>
public sealed record PeriodicClaim(string TaskName, string PeriodicId, long DeferTimestamp, long? JobId);
