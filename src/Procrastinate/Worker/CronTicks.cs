using Cronos;

namespace Procrastinate;

/// <summary>
/// The ticks of one cron expression in Procrastinate's dialect, on the wall clock of a time zone, as instants. The
/// expression has five fields (minute hour day-of-month month day-of-week) or six, the sixth being seconds (as
/// Procrastinate, through croniter, reads it: <c>"0 4 * * * 30"</c> is 04:00:30); a day matching either a restricted
/// day of month or a restricted day of week ticks, as in Unix cron and croniter. Cronos does the parsing and the
/// time zone arithmetic: a wall-clock time skipped by a daylight-saving jump ticks at the first instant after the jump;
/// one repeated when clocks go back ticks once, unless its second, minute or hour field is an interval (<c>*</c>, a
/// range or a step), which ticks in both passes.
/// </summary>
internal sealed class CronTicks
{
    private static readonly TimeSpan MaxLookBack = TimeSpan.FromDays(366);

    private readonly CronExpression[] _expressions;
    private readonly TimeZoneInfo _zone;

    private CronTicks(CronExpression[] expressions, TimeZoneInfo zone)
    {
        _expressions = expressions;
        _zone = zone;
    }

    /// <summary>Parses <paramref name="cron"/>, evaluated in <paramref name="zone"/> (UTC when <see langword="null"/>).</summary>
    /// <exception cref="FormatException">The expression is not valid cron.</exception>
    public static CronTicks Parse(string cron, TimeZoneInfo? zone = null)
    {
        ArgumentNullException.ThrowIfNull(cron);
        try
        {
            var expressions = CronDialect.ToCronos(cron)
                .Select(e => CronExpression.Parse(e.Expression, e.WithSeconds ? CronFormat.IncludeSeconds : CronFormat.Standard))
                .ToArray();
            return new CronTicks(expressions, zone ?? TimeZoneInfo.Utc);
        }
        catch (CronFormatException exception)
        {
            throw new FormatException($"Cron expression '{cron}' is invalid: {exception.Message}", exception);
        }
    }

    /// <summary>The ticks after <paramref name="after"/> and at or before <paramref name="until"/>, in order.</summary>
    public IReadOnlyList<DateTimeOffset> Between(DateTimeOffset after, DateTimeOffset until)
    {
        if (until <= after)
        {
            return [];
        }

        return _expressions
            .SelectMany(e => e.GetOccurrences(after, until, _zone, fromInclusive: false, toInclusive: true))
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
        DateTimeOffset? first = null;
        foreach (var expression in _expressions)
        {
            if (expression.GetNextOccurrence(after, _zone) is { } next && next <= after + horizon && (first is null || next < first))
            {
                first = next;
            }
        }

        return first;
    }
}
