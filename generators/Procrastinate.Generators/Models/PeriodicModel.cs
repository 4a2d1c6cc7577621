namespace Procrastinate.Generators.Models;

/// <summary>One <c>[Periodic]</c> schedule.</summary>
/// <param name="Cron">The cron expression.</param>
/// <param name="PeriodicId">The schedule's id.</param>
/// <param name="Args">Extra JSON arguments, or <see langword="null"/>.</param>
/// <param name="TimeZone">The time zone id, or <see langword="null"/> for UTC.</param>
internal sealed record PeriodicModel(string Cron, string PeriodicId, string? Args, string? TimeZone);
