namespace Procrastinate;

/// <summary>
/// Procrastinate's cron dialect (croniter's) in Cronos's terms: the optional sixth field, seconds, moves to the front
/// where Cronos reads it; an expression restricting both the day of month and the day of week becomes two, one per
/// day field, since croniter (like Unix cron) runs on a day that matches either, where Cronos wants both.
/// </summary>
internal static class CronDialect
{
    /// <summary>The Cronos expressions whose ticks, together, are the ticks of <paramref name="cron"/>.</summary>
    /// <exception cref="FormatException">The expression has neither five nor six fields.</exception>
    public static IReadOnlyList<(string Expression, bool WithSeconds)> ToCronos(string cron)
    {
        var fields = cron.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        if (fields is [['@', ..]])
        {
            // A macro (@hourly, @daily, ...) has no fields to move.
            return [(fields[0], false)];
        }

        if (fields.Length is not (5 or 6))
        {
            throw new FormatException(
                $"Cron expression '{cron}' has {fields.Length} field(s); expected 5 (minute hour day-of-month month day-of-week) " +
                "or 6 with seconds last, as in Procrastinate.");
        }

        var seconds = fields.Length == 6 ? fields[5] + " " : string.Empty;
        var (minute, hour, day, month, weekday) = (fields[0], fields[1], fields[2], fields[3], fields[4]);
        string Build(string d, string w) => $"{seconds}{minute} {hour} {d} {month} {w}";
        return IsAny(day) || IsAny(weekday)
            ? [(Build(day, weekday), fields.Length == 6)]
            : [(Build(day, "*"), fields.Length == 6), (Build("*", weekday), fields.Length == 6)];
    }

    private static bool IsAny(string field) => field is "*" or "?";
}
