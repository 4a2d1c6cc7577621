namespace Procrastinate;

/// <summary>
/// Defers the task on a cron schedule, evaluated in UTC unless <see cref="TimeZone"/> says otherwise. Five fields
/// (minute hour day-of-month month day-of-week), or six with seconds last as in Procrastinate
/// (<c>"0 4 * * * 30"</c> is 04:00:30; <c>"* * * * * *"</c> runs every second). Stack several with distinct <see cref="PeriodicId"/> values.
/// The task receives the tick's Unix time when it declares a <c>long timestamp</c> parameter (another type is PROC014).
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = true, Inherited = false)]
public sealed class PeriodicAttribute : Attribute
{
    /// <summary>Creates the schedule.</summary>
    public PeriodicAttribute(string cron)
    {
        Cron = cron;
    }

    /// <summary>The cron expression.</summary>
    public string Cron { get; }

    /// <summary>Distinguishes several schedules of one task; <c>""</c> by default, as in Procrastinate.</summary>
    public string PeriodicId { get; set; } = "";

    /// <summary>Extra arguments of the periodic job, as a JSON object (the <c>timestamp</c> key is added).</summary>
    public string? Args { get; set; }

    /// <summary>
    /// The time zone (IANA id such as <c>"Europe/Paris"</c>, or Windows id) whose wall clock the cron follows; UTC when
    /// unset. A wall-clock time skipped by a daylight-saving jump ticks right after the jump; a repeated one ticks once
    /// (in both passes when the expression's second, minute or hour field is an interval).
    /// Procrastinate 3.9 has no such option: keep schedules shared with Python workers in UTC, so ticks match.
    /// </summary>
    public string? TimeZone { get; set; }
}
