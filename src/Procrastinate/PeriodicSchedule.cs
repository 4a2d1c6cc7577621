namespace Procrastinate;

/// <summary>One cron schedule of a periodic task.</summary>
/// <param name="Cron">Five or six (seconds first) cron fields, evaluated in UTC.</param>
/// <param name="PeriodicId">Distinguishes several schedules of one task.</param>
/// <param name="Args">Extra JSON arguments; the worker adds <c>timestamp</c>.</param>
public sealed record PeriodicSchedule(string Cron, string PeriodicId = "", string? Args = null);
