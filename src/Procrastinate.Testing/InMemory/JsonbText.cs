using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Procrastinate.Testing.InMemory;

/// <summary>
/// Rewrites JSON text the way PostgreSQL's <c>jsonb</c> stores and prints it, so that the in-memory store hands back
/// the same <see cref="Job.Args"/> text as the PostgreSQL store: object keys sorted by UTF-8 length then bytes (the
/// last of duplicate keys wins), <c>", "</c> and <c>": "</c> separators, numbers as <c>numeric</c> prints them (scale
/// kept, exponent expanded), and strings escaped as PostgreSQL escapes them.
/// </summary>
internal static class JsonbText
{
    // PostgreSQL's numeric limits: up to 131072 digits before the decimal point and 16383 after.
    private const int MaxIntegerDigits = 131072;
    private const int MaxScale = 16383;

    private static readonly JsonDocumentOptions ParseOptions = new() { MaxDepth = 6400 };

    /// <summary>Returns the jsonb text of <paramref name="json"/>.</summary>
    /// <exception cref="ArgumentException">The text is not JSON that <c>jsonb</c> accepts.</exception>
    public static string Normalize(string json, string parameterName)
    {
        try
        {
            using var document = JsonDocument.Parse(json, ParseOptions);
            var builder = new StringBuilder(json.Length);
            Write(builder, document.RootElement);
            return builder.ToString();
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException)
        {
            throw new ArgumentException($"The job arguments are not valid JSON: {e.Message}", parameterName, e);
        }
    }

    private static void Write(StringBuilder builder, JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                var properties = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
                foreach (var property in element.EnumerateObject())
                {
                    properties[property.Name] = property.Value;
                }

                var keys = properties.Keys.Select(key => (Key: key, Bytes: Encoding.UTF8.GetBytes(key))).ToList();
                keys.Sort(static (a, b) => a.Bytes.Length != b.Bytes.Length
                    ? a.Bytes.Length.CompareTo(b.Bytes.Length)
                    : a.Bytes.AsSpan().SequenceCompareTo(b.Bytes));
                builder.Append('{');
                for (var i = 0; i < keys.Count; i++)
                {
                    if (i > 0)
                    {
                        builder.Append(", ");
                    }

                    WriteString(builder, keys[i].Key);
                    builder.Append(": ");
                    Write(builder, properties[keys[i].Key]);
                }

                builder.Append('}');
                break;
            case JsonValueKind.Array:
                builder.Append('[');
                var first = true;
                foreach (var item in element.EnumerateArray())
                {
                    if (!first)
                    {
                        builder.Append(", ");
                    }

                    first = false;
                    Write(builder, item);
                }

                builder.Append(']');
                break;
            case JsonValueKind.String:
                WriteString(builder, element.GetString()!);
                break;
            case JsonValueKind.Number:
                builder.Append(Numeric(element.GetRawText()));
                break;
            case JsonValueKind.True:
                builder.Append("true");
                break;
            case JsonValueKind.False:
                builder.Append("false");
                break;
            default:
                builder.Append("null");
                break;
        }
    }

    private static void WriteString(StringBuilder builder, string value)
    {
        builder.Append('"');
        foreach (var c in value)
        {
            switch (c)
            {
                case '\0':
                    throw new FormatException("jsonb cannot hold the character \\u0000.");
                case '"':
                    builder.Append("\\\"");
                    break;
                case '\\':
                    builder.Append("\\\\");
                    break;
                case '\b':
                    builder.Append("\\b");
                    break;
                case '\f':
                    builder.Append("\\f");
                    break;
                case '\n':
                    builder.Append("\\n");
                    break;
                case '\r':
                    builder.Append("\\r");
                    break;
                case '\t':
                    builder.Append("\\t");
                    break;
                case < ' ':
                    builder.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    break;
                default:
                    builder.Append(c);
                    break;
            }
        }

        builder.Append('"');
    }

    /// <summary>A JSON number as PostgreSQL's <c>numeric</c> prints it: no exponent, the input's scale kept.</summary>
    private static string Numeric(string token)
    {
        var negative = token.StartsWith('-');
        var body = negative ? token[1..] : token;
        var exponentAt = body.IndexOfAny(['e', 'E']);
        var exponent = 0;
        if (exponentAt >= 0)
        {
            exponent = int.Parse(body.AsSpan(exponentAt + 1), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
            body = body[..exponentAt];
        }

        var pointAt = body.IndexOf('.');
        var integerDigits = pointAt < 0 ? body : body[..pointAt];
        var fractionDigits = pointAt < 0 ? string.Empty : body[(pointAt + 1)..];
        var digits = integerDigits + fractionDigits;
        var scale = Math.Max(0, fractionDigits.Length - exponent);
        var point = integerDigits.Length + exponent;
        if (scale > MaxScale || point > MaxIntegerDigits)
        {
            throw new FormatException($"The number {token} is out of PostgreSQL's numeric range.");
        }

        string integerPart;
        string fractionPart;
        if (point <= 0)
        {
            integerPart = "0";
            fractionPart = new string('0', -point) + digits;
        }
        else if (point >= digits.Length)
        {
            integerPart = digits + new string('0', point - digits.Length);
            fractionPart = string.Empty;
        }
        else
        {
            integerPart = digits[..point];
            fractionPart = digits[point..];
        }

        integerPart = integerPart.TrimStart('0');
        if (integerPart.Length == 0)
        {
            integerPart = "0";
        }

        fractionPart = fractionPart.PadRight(scale, '0')[..scale];
        var isZero = integerPart == "0" && fractionPart.All(static c => c == '0');
        var text = scale > 0 ? integerPart + "." + fractionPart : integerPart;
        return negative && !isZero ? "-" + text : text;
    }
}
