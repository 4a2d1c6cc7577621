namespace Procrastinate;

/// <summary>One cron schedule of a periodic task.</summary>
/// <param name="Cron">Five cron fields, or six with seconds last (Procrastinate's dialect).</param>
/// <param name="PeriodicId">Distinguishes several schedules of one task.</param>
/// <param name="Args">Extra JSON arguments; the worker adds <c>timestamp</c>.</param>
/// <param name="TimeZone">
/// The time zone (IANA or Windows id) whose wall clock the cron follows; UTC, as in Procrastinate, when
/// <see langword="null"/>.
/// </param>
public sealed record PeriodicSchedule(string Cron, string PeriodicId = "", string? Args = null, string? TimeZone = null);
