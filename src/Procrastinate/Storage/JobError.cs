using System.Globalization;

namespace Procrastinate.Storage;

/// <summary>
/// Why a run failed, as a store keeps it: the exception's type, message and details, each cut to a bounded length so
/// that one failure cannot fill the database (a cut text ends with <c>…</c> and the length it had).
/// </summary>
public sealed record JobError
{
    /// <summary>The longest <see cref="Type"/> kept, in characters.</summary>
    public const int MaxTypeLength = 256;

    /// <summary>The longest <see cref="Message"/> kept, in characters.</summary>
    public const int MaxMessageLength = 2_000;

    /// <summary>The longest <see cref="Details"/> kept, in characters.</summary>
    public const int MaxDetailsLength = 8_000;

    /// <summary>Keeps the given texts, each cut to its bound.</summary>
    /// <param name="type">The exception's type, such as <c>System.TimeoutException</c>.</param>
    /// <param name="message">The exception's message.</param>
    /// <param name="details">The exception as .NET prints it (type, message, inner exceptions and stack traces), if known.</param>
    public JobError(string type, string message, string? details)
    {
        ArgumentNullException.ThrowIfNull(type);
        ArgumentNullException.ThrowIfNull(message);
        Type = Cut(type, MaxTypeLength);
        Message = Cut(message, MaxMessageLength);
        Details = details is null ? null : Cut(details, MaxDetailsLength);
    }

    /// <summary>The exception's type (at most <see cref="MaxTypeLength"/> characters).</summary>
    public string Type { get; }

    /// <summary>The exception's message (at most <see cref="MaxMessageLength"/> characters).</summary>
    public string Message { get; }

    /// <summary>
    /// The exception as <see cref="Exception.ToString"/> prints it: type, message, inner exceptions and stack traces (at
    /// most <see cref="MaxDetailsLength"/> characters), or <see langword="null"/>.
    /// </summary>
    public string? Details { get; }

    /// <summary>The error of a run that threw <paramref name="exception"/>.</summary>
    public static JobError From(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        var type = exception.GetType();
        return new JobError(
            type.FullName ?? type.Name,
            Read(exception, static e => e.Message, "Message"),
            Read(exception, static e => e.ToString(), "ToString()"));
    }

    /// <summary>A copy whose texts went through <paramref name="clean"/> (a store's removal of secrets), cut again.</summary>
    public JobError With(Func<string, string> clean)
    {
        ArgumentNullException.ThrowIfNull(clean);
        return new JobError(clean(Type), clean(Message), Details is null ? null : clean(Details));
    }

    /// <summary>A text of the exception; an exception's own code may throw, which must not hide the failure.</summary>
    private static string Read(Exception exception, Func<Exception, string> read, string what)
    {
        try
        {
            return read(exception) ?? string.Empty;
        }
        catch (Exception failure) when (failure is not OutOfMemoryException)
        {
            return $"<{exception.GetType().Name}.{what} threw {failure.GetType().Name}>";
        }
    }

    private static string Cut(string text, int max)
    {
        if (text.Length <= max)
        {
            return text;
        }

        var suffix = string.Create(CultureInfo.InvariantCulture, $"… ({text.Length} characters)");
        var keep = max - suffix.Length;
        if (keep > 0 && char.IsHighSurrogate(text[keep - 1]))
        {
            keep--;
        }

        return string.Concat(text.AsSpan(0, keep), suffix);
    }
}
