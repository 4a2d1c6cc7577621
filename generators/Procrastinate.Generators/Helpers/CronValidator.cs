using System;
using System.Globalization;

namespace Procrastinate.Generators.Helpers;

/// <summary>
/// Checks a cron expression at compile time with the rules the runtime's parser (NCrontab.Signed) applies:
/// five fields, or six with seconds first; each field a comma list of <c>*</c>, values, ranges <c>a-b</c> and
/// steps <c>/n</c>; months and weekdays also by (prefix of) English name.
/// </summary>
internal static class CronValidator
{
    private static readonly string[] MonthNames =
    [
        "January", "February", "March", "April", "May", "June",
        "July", "August", "September", "October", "November", "December",
    ];

    private static readonly string[] DayNames =
    [
        "Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday",
    ];

    /// <summary>Returns <see langword="null"/> when <paramref name="cron"/> is valid, else what is wrong.</summary>
    public static string? Validate(string? cron)
    {
        if (cron is null || cron.Trim().Length == 0)
        {
            return "the expression is empty";
        }

        var fields = cron.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        if (fields.Length is not (5 or 6))
        {
            return string.Format(
                CultureInfo.InvariantCulture,
                "expected 5 fields (minute hour day month weekday) or 6 with seconds first, found {0}",
                fields.Length);
        }

        var offset = fields.Length - 5;
        var specs = new (string Name, int Min, int Max, string[]? Names)[]
        {
            ("second", 0, 59, null),
            ("minute", 0, 59, null),
            ("hour", 0, 23, null),
            ("day", 1, 31, null),
            ("month", 1, 12, MonthNames),
            ("weekday", 0, 6, DayNames),
        };

        for (var i = 0; i < fields.Length; i++)
        {
            var spec = specs[i + 1 - offset];
            var error = ValidateField(fields[i], spec.Min, spec.Max, spec.Names);
            if (error is not null)
            {
                return string.Format(CultureInfo.InvariantCulture, "{0} field '{1}': {2}", spec.Name, fields[i], error);
            }
        }

        return null;
    }

    private static string? ValidateField(string field, int min, int max, string[]? names)
    {
        foreach (var part in field.Split(','))
        {
            var error = ValidatePart(part, min, max, names);
            if (error is not null)
            {
                return error;
            }
        }

        return null;
    }

    private static string? ValidatePart(string part, int min, int max, string[]? names)
    {
        if (part.Length == 0)
        {
            return "a list item is empty";
        }

        var slash = part.IndexOf('/');
        if (slash >= 0)
        {
            var stepText = part.Substring(slash + 1);
            if (!int.TryParse(stepText, NumberStyles.None, CultureInfo.InvariantCulture, out var step) || step < 1)
            {
                return "the step '" + stepText + "' must be a positive integer";
            }

            part = part.Substring(0, slash);
            if (part.Length == 0)
            {
                return "a step needs '*', a value or a range before '/'";
            }
        }

        if (part == "*")
        {
            return null;
        }

        var dash = part.IndexOf('-', 1);
        if (dash > 0)
        {
            var firstError = ParseValue(part.Substring(0, dash), min, max, names, out var first);
            var lastError = ParseValue(part.Substring(dash + 1), min, max, names, out var last);
            var error = firstError ?? lastError;
            if (error is not null)
            {
                return error;
            }

            return first > last ? "the range " + part + " ends before it starts" : null;
        }

        return ParseValue(part, min, max, names, out _);
    }

    private static string? ParseValue(string text, int min, int max, string[]? names, out int value)
    {
        value = 0;
        if (text.Length > 0 && text[0] >= '0' && text[0] <= '9')
        {
            if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value))
            {
                return "'" + text + "' is not a number";
            }

            return value < min || value > max
                ? string.Format(CultureInfo.InvariantCulture, "{0} is out of range {1}-{2}", value, min, max)
                : null;
        }

        if (names is not null && text.Length > 0)
        {
            for (var i = 0; i < names.Length; i++)
            {
                if (names[i].StartsWith(text, StringComparison.OrdinalIgnoreCase))
                {
                    value = min + i;
                    return null;
                }
            }

            return "'" + text + "' is not a known name (" + string.Join(", ", names) + ")";
        }

        return string.Format(CultureInfo.InvariantCulture, "'{0}' is not a number between {1} and {2}", text, min, max);
    }
}
