using System;
using System.Globalization;

namespace Procrastinate.Generators.Helpers;

/// <summary>
/// Checks a cron expression at compile time as the runtime reads it: Procrastinate's dialect (five fields, or six with
/// seconds last, or a macro such as <c>@daily</c>), each field in the grammar of Cronos, the runtime's cron engine:
/// <c>*</c> or <c>?</c> with an optional step, else a comma list of values (one or two digits, or a three-letter
/// month or weekday name) with optional <c>-</c> range (reversed ranges allowed) and <c>/</c> step; in the day of month
/// also <c>L</c>, <c>L-n</c>, <c>LW</c> and <c>nW</c>; in the day of week (0-7, Sunday twice) also <c>nL</c> and
/// <c>n#k</c>. A differential test runs a corpus through this and the runtime parser.
/// </summary>
internal static class CronValidator
{
    private static readonly string[] MonthNames = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"];

    private static readonly string[] DayNames = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

    private static readonly string[] Macros = ["@ANNUALLY", "@YEARLY", "@MONTHLY", "@WEEKLY", "@DAILY", "@MIDNIGHT", "@HOURLY", "@EVERY_MINUTE", "@EVERY_SECOND"];

    private enum Special
    {
        None,
        DayOfMonth,
        DayOfWeek,
    }

    /// <summary>Returns <see langword="null"/> when <paramref name="cron"/> is valid, else what is wrong.</summary>
    public static string? Validate(string? cron)
    {
        if (cron is null || cron.Trim().Length == 0)
        {
            return "the expression is empty";
        }

        var fields = cron.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        if (fields.Length == 1 && fields[0][0] == '@')
        {
            return Array.IndexOf(Macros, fields[0].ToUpperInvariant()) >= 0
                ? null
                : "'" + fields[0] + "' is not a known macro (" + string.Join(", ", Macros).ToLowerInvariant() + ")";
        }

        if (fields.Length is not (5 or 6))
        {
            return string.Format(
                CultureInfo.InvariantCulture,
                "expected 5 fields (minute hour day-of-month month day-of-week) or 6 with seconds last, as in Procrastinate, found {0}",
                fields.Length);
        }

        var specs = new (string Name, int First, int Last, string[]? Names, Special Special)[]
        {
            ("minute", 0, 59, null, Special.None),
            ("hour", 0, 23, null, Special.None),
            ("day-of-month", 1, 31, null, Special.DayOfMonth),
            ("month", 1, 12, MonthNames, Special.None),
            ("day-of-week", 0, 7, DayNames, Special.DayOfWeek),
            ("second", 0, 59, null, Special.None),
        };

        for (var i = 0; i < fields.Length; i++)
        {
            var spec = specs[i];
            var error = new FieldReader(fields[i], spec.First, spec.Last, spec.Names).Read(spec.Special);
            if (error is not null)
            {
                return string.Format(CultureInfo.InvariantCulture, "{0} field '{1}': {2}", spec.Name, fields[i], error);
            }
        }

        return null;
    }

    private sealed class FieldReader(string text, int first, int last, string[]? names)
    {
        private int _at;

        private char Current => _at < text.Length ? char.ToUpperInvariant(text[_at]) : '\0';

        public string? Read(Special special)
        {
            if (Take('*') || Take('?'))
            {
                return (Take('/') ? Step() : null) ?? End();
            }

            if (special == Special.DayOfMonth && Take('L'))
            {
                var offset = Take('-') ? Number(0, last - 1, "the offset from the last day") : null;
                Take('W');
                return offset ?? End();
            }

            var error = Value();
            if (error is not null)
            {
                return error;
            }

            if (special == Special.DayOfMonth && Take('W'))
            {
                return End();
            }

            if (special == Special.DayOfWeek && Take('L'))
            {
                return End();
            }

            if (special == Special.DayOfWeek && Take('#'))
            {
                return Number(1, 5, "the week of the month after '#'") ?? End();
            }

            error = RangeOrStep();
            while (error is null && Take(','))
            {
                error = Value() ?? RangeOrStep();
            }

            return error ?? End();
        }

        private string? RangeOrStep()
        {
            if (Take('-'))
            {
                return Value() ?? (Take('/') ? Step() : null);
            }

            return Take('/') ? Step() : null;
        }

        private string? Step() => Number(1, last, "the step");

        private string? Value()
        {
            if (IsDigit(Current))
            {
                return Number(first, last, "a value");
            }

            if (names is not null && _at + 3 <= text.Length)
            {
                var index = Array.IndexOf(names, text.Substring(_at, 3).ToUpperInvariant());
                if (index >= 0)
                {
                    _at += 3;
                    return null;
                }
            }

            return names is null
                ? string.Format(CultureInfo.InvariantCulture, "expected a number from {0} to {1} at position {2}", first, last, _at + 1)
                : string.Format(
                    CultureInfo.InvariantCulture,
                    "expected a number from {0} to {1} or a three-letter name ({2}) at position {3}",
                    first,
                    last,
                    string.Join(", ", names),
                    _at + 1);
        }

        private string? Number(int min, int max, string what)
        {
            var start = _at;
            while (IsDigit(Current))
            {
                _at++;
            }

            var digits = _at - start;
            var value = digits is 1 or 2 ? int.Parse(text.Substring(start, digits), CultureInfo.InvariantCulture) : -1;
            return value >= min && value <= max
                ? null
                : string.Format(CultureInfo.InvariantCulture, "{0} must be a number from {1} to {2} (one or two digits)", what, min, max);
        }

        private string? End() => _at == text.Length
            ? null
            : string.Format(CultureInfo.InvariantCulture, "unexpected '{0}' at position {1}", text[_at], _at + 1);

        private bool Take(char c)
        {
            if (Current != c)
            {
                return false;
            }

            _at++;
            return true;
        }

        private static bool IsDigit(char c) => c is >= '0' and <= '9';
    }
}
