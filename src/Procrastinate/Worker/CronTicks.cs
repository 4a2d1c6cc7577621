using NCrontab;

namespace Procrastinate;

/// <summary>
/// The ticks of one cron expression (five fields, or six with seconds first) on the wall clock of a time zone, as
/// instants. A wall-clock time skipped by a daylight-saving jump has no tick; one repeated when clocks go back ticks
/// once, at its first occurrence.
/// </summary>
internal sealed class CronTicks
{
    private static readonly TimeSpan MaxLookBack = TimeSpan.FromDays(366);

    private readonly CrontabSchedule _schedule;
    private readonly TimeZoneInfo _zone;

    private CronTicks(CrontabSchedule schedule, TimeZoneInfo zone)
    {
        _schedule = schedule;
        _zone = zone;
    }

    /// <summary>Parses <paramref name="cron"/>, evaluated in <paramref name="zone"/> (UTC when <see langword="null"/>).</summary>
    /// <exception cref="FormatException">The expression is not valid cron.</exception>
    public static CronTicks Parse(string cron, TimeZoneInfo? zone = null)
    {
        ArgumentNullException.ThrowIfNull(cron);
        var fields = cron.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).Length;
        if (fields is not (5 or 6))
        {
            throw new FormatException(
                $"Cron expression '{cron}' has {fields} field(s); expected 5 (minute hour day month weekday) or 6 with seconds first.");
        }

        try
        {
            var schedule = CrontabSchedule.Parse(cron, new CrontabSchedule.ParseOptions { IncludingSeconds = fields == 6 });
            return new CronTicks(schedule, zone ?? TimeZoneInfo.Utc);
        }
        catch (CrontabException exception)
        {
            throw new FormatException($"Cron expression '{cron}' is invalid: {exception.Message}", exception);
        }
    }

    /// <summary>The ticks after <paramref name="after"/> and at or before <paramref name="until"/>, in order.</summary>
    /// <remarks>Assumes the zone changes its offset at most once in the window (windows here span minutes).</remarks>
    public IReadOnlyList<DateTimeOffset> Between(DateTimeOffset after, DateTimeOffset until)
    {
        if (until <= after)
        {
            return [];
        }

        // Every instant t of the window shows t + offset(t) on the wall clock, and offset(t) is one of the two ends'.
        var offsetAfter = _zone.GetUtcOffset(after);
        var offsetUntil = _zone.GetUtcOffset(until);
        var localStart = WallClock(after, offsetAfter < offsetUntil ? offsetAfter : offsetUntil);
        var localEnd = WallClock(until, offsetAfter > offsetUntil ? offsetAfter : offsetUntil);

        // NCrontab's start and end are both exclusive; a tick exactly at "until" belongs in.
        return _schedule.GetNextOccurrences(localStart.AddTicks(-1), localEnd.AddTicks(1))
            .Select(ToInstant)
            .OfType<DateTimeOffset>()
            .Where(tick => tick > after && tick <= until)
            .Distinct()
            .Order()
            .ToList();
    }

    /// <summary>The latest tick at or before <paramref name="until"/> within a year, or <see langword="null"/>.</summary>
    public DateTimeOffset? Latest(DateTimeOffset until)
    {
        // Cron only runs forwards: look back over growing windows, so that a frequent cron stays cheap.
        var window = TimeSpan.FromMinutes(1);
        var end = until;
        while (true)
        {
            var ticks = Between(until - window, end);
            if (ticks.Count > 0)
            {
                return ticks[^1];
            }

            if (window >= MaxLookBack)
            {
                return null;
            }

            end = until - window;
            window = window * 8 < MaxLookBack ? window * 8 : MaxLookBack;
        }
    }

    /// <summary>The first tick after <paramref name="after"/>, or <see langword="null"/> when none comes within <paramref name="horizon"/>.</summary>
    public DateTimeOffset? Next(DateTimeOffset after, TimeSpan horizon)
    {
        var ticks = Between(after, after + horizon);
        return ticks.Count > 0 ? ticks[0] : null;
    }

    private static DateTime WallClock(DateTimeOffset instant, TimeSpan offset) =>
        DateTime.SpecifyKind(instant.UtcDateTime + offset, DateTimeKind.Unspecified);

    /// <summary>The instant of a wall-clock time of the zone; <see langword="null"/> for one a clock jump skips.</summary>
    private DateTimeOffset? ToInstant(DateTime local)
    {
        if (_zone.IsInvalidTime(local))
        {
            return null;
        }

        var offset = _zone.IsAmbiguousTime(local) ? _zone.GetAmbiguousTimeOffsets(local).Max() : _zone.GetUtcOffset(local);
        return new DateTimeOffset(DateTime.SpecifyKind(local, DateTimeKind.Unspecified), offset);
    }
}
