using System.CommandLine;

namespace Procrastinate.Cli.Internal;

internal static class ParseResultExtensions
{
    /// <summary>The option's value when given on the command line, else <paramref name="fallback"/> (an environment variable).</summary>
    public static T? ValueOr<T>(this ParseResult parseResult, Option<T> option, Func<T?> fallback) =>
        parseResult.GetResult(option) is { Implicit: false } ? parseResult.GetValue(option) : fallback();

    /// <summary>Whether the option appears on the command line.</summary>
    public static bool Has(this ParseResult parseResult, Option option) =>
        parseResult.GetResult(option) is { Implicit: false };
}
