using System.Globalization;

namespace Procrastinate.Cli.Internal;

/// <summary>
/// Typed reads of the command line's environment variables, as Procrastinate reads them: an empty value is unset,
/// booleans take their first letter (<c>0/n/f</c> or <c>1/y/t</c>).
/// </summary>
internal sealed class CliEnvironment
{
    private readonly Func<string, string?> _get;

    public CliEnvironment(Func<string, string?> get)
    {
        _get = get;
    }

    public string? String(string name) => _get(name) is { Length: > 0 } value ? value : null;

    public int? Int(string name)
    {
        if (String(name) is not { } value)
        {
            return null;
        }

        return int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var result)
            ? result
            : throw CliException.Usage($"Environment variable {name}: '{value}' is not an integer.");
    }

    public double? Double(string name)
    {
        if (String(name) is not { } value)
        {
            return null;
        }

        return double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var result)
            ? result
            : throw CliException.Usage($"Environment variable {name}: '{value}' is not a number.");
    }

    public bool? Bool(string name)
    {
        if (String(name) is not { } value)
        {
            return null;
        }

        return char.ToLowerInvariant(value[0]) switch
        {
            '1' or 'y' or 't' => true,
            '0' or 'n' or 'f' => false,
            _ => throw CliException.Usage($"Environment variable {name}: '{value}' is not a boolean (use 1/0, yes/no or true/false)."),
        };
    }
}
