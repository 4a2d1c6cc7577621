using System.ComponentModel;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace Procrastinate.Serialization;

/// <summary>
/// Small JSON helpers the generated task handles call to read and write a job's arguments (a JSON object keyed by
/// parameter name). Not meant for application code; the generated code is the only caller.
/// </summary>
/// <remarks>
/// Reading throws <see cref="TaskArgumentsException"/> naming the task and the key, so a bad job fails alone and the
/// worker goes on. Writing throws <see cref="ArgumentException"/> at defer time for values JSON cannot hold
/// (NaN, infinities, a <see cref="DateTime"/> that is not UTC, <see langword="null"/> for a non-nullable argument, a
/// string with a lone UTF-16 surrogate, an enum value its type does not define).
/// </remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class TaskArgsJson
{
    private const string TimeOnlyFormat = "HH:mm:ss.fffffff";
    private static readonly string[] TimeOnlyFormats = ["HH:mm:ss.FFFFFFF", "HH:mm:ss", "HH:mm"];

    /// <summary>Reads the first token, which must start an object.</summary>
    /// <exception cref="TaskArgumentsException">The JSON is not an object.</exception>
    public static void ReadStartObject(ref Utf8JsonReader reader, string taskName)
    {
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            throw new TaskArgumentsException(taskName, null, "expected a JSON object keyed by parameter name, found " + Describe(reader.TokenType));
        }
    }

    /// <summary>
    /// Moves to the next property of the arguments object and onto its value; returns <see langword="false"/> at
    /// the end of the object (after checking nothing follows it).
    /// </summary>
    public static bool ReadProperty(ref Utf8JsonReader reader, string taskName, out string key)
    {
        reader.Read();
        if (reader.TokenType == JsonTokenType.EndObject)
        {
            if (reader.Read())
            {
                throw new TaskArgumentsException(taskName, null, "unexpected content after the arguments object");
            }

            key = "";
            return false;
        }

        key = GetString(ref reader, taskName, null);
        reader.Read();
        return true;
    }

    /// <summary>Throws when a key appears twice.</summary>
    /// <exception cref="TaskArgumentsException"><paramref name="seen"/> is <see langword="true"/>.</exception>
    public static void CheckNotSeen(bool seen, string taskName, string key)
    {
        if (seen)
        {
            throw new TaskArgumentsException(taskName, key, "the key appears more than once");
        }
    }

    /// <summary>The error for a key the task has no parameter for.</summary>
    public static TaskArgumentsException UnknownKey(string taskName, string key) =>
        new(taskName, key, "the task has no parameter with this key");

    /// <summary>The error for a required key that is missing.</summary>
    public static TaskArgumentsException MissingKey(string taskName, string key) =>
        new(taskName, key, "the key is required but missing");

    /// <summary>The error for a JSON <c>null</c> where the parameter does not accept one.</summary>
    public static TaskArgumentsException NullValue(string taskName, string key) =>
        new(taskName, key, "the value cannot be null");

    /// <summary>The error for text that is not JSON.</summary>
    public static TaskArgumentsException InvalidJson(string taskName, JsonException exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        return new TaskArgumentsException(taskName, null, "the text is not valid JSON (" + exception.Message + ")", exception);
    }

    /// <summary>The error for deferring <see langword="null"/> as a non-nullable argument.</summary>
    public static ArgumentNullException NullArgument(string taskName, string key) =>
        new(key, $"Argument '{key}' of task '{taskName}' cannot be null.");

    /// <summary>Checks that the current token starts an array or object.</summary>
    /// <exception cref="TaskArgumentsException">Another token.</exception>
    public static void ReadStart(ref Utf8JsonReader reader, JsonTokenType expected, string taskName, string key)
    {
        if (reader.TokenType != expected)
        {
            throw WrongType(reader.TokenType, expected == JsonTokenType.StartArray ? "an array" : "an object", taskName, key);
        }
    }

    /// <summary>Moves to the next array item; returns <see langword="false"/> at the end of the array.</summary>
    public static bool ReadArrayItem(ref Utf8JsonReader reader)
    {
        reader.Read();
        return reader.TokenType != JsonTokenType.EndArray;
    }

    /// <summary>Moves to the next dictionary entry and onto its value; returns <see langword="false"/> at the end.</summary>
    /// <exception cref="TaskArgumentsException">The entry's key has a lone UTF-16 surrogate.</exception>
    public static bool ReadDictionaryKey(ref Utf8JsonReader reader, string taskName, string argumentKey, out string key)
    {
        reader.Read();
        if (reader.TokenType == JsonTokenType.EndObject)
        {
            key = "";
            return false;
        }

        key = GetString(ref reader, taskName, argumentKey);
        reader.Read();
        return true;
    }

    /// <summary>The typed metadata of <typeparamref name="T"/> from a source-generated context.</summary>
    /// <exception cref="InvalidOperationException">The context does not cover <typeparamref name="T"/>.</exception>
    public static JsonTypeInfo<T> GetTypeInfo<T>(JsonSerializerContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return context.GetTypeInfo(typeof(T)) as JsonTypeInfo<T> ?? throw new InvalidOperationException(
            $"The JsonSerializerContext '{context.GetType().Name}' has no metadata for '{typeof(T).Name}'; add [JsonSerializable(typeof({typeof(T).Name}))] to it.");
    }

    /// <summary>Reads the current value with a user context's metadata.</summary>
    /// <exception cref="TaskArgumentsException">The value does not fit <typeparamref name="T"/>.</exception>
    public static T? Deserialize<T>(ref Utf8JsonReader reader, JsonTypeInfo<T> typeInfo, string taskName, string key)
    {
        try
        {
            return JsonSerializer.Deserialize(ref reader, typeInfo);
        }
        catch (JsonException exception)
        {
            throw new TaskArgumentsException(taskName, key, exception.Message, exception);
        }
        catch (NotSupportedException exception)
        {
            throw new TaskArgumentsException(taskName, key, exception.Message, exception);
        }
        catch (InvalidOperationException exception)
        {
            // What Utf8JsonReader throws for a string with a lone surrogate escape.
            throw new TaskArgumentsException(taskName, key, exception.Message, exception);
        }
    }

    /// <summary>Reads a JSON <c>true</c> or <c>false</c>.</summary>
    public static bool ReadBoolean(ref Utf8JsonReader reader, string taskName, string key) => reader.TokenType switch
    {
        JsonTokenType.True => true,
        JsonTokenType.False => false,
        _ => throw WrongType(reader.TokenType, "true or false", taskName, key),
    };

    /// <summary>Reads a JSON integer that fits a <see cref="byte"/>.</summary>
    public static byte ReadByte(ref Utf8JsonReader reader, string taskName, string key) =>
        ExpectNumber(ref reader, taskName, key).TryGetByte(out var value) ? value : throw OutOfRange(ref reader, "byte", taskName, key);

    /// <summary>Reads a JSON integer that fits an <see cref="sbyte"/>.</summary>
    public static sbyte ReadSByte(ref Utf8JsonReader reader, string taskName, string key) =>
        ExpectNumber(ref reader, taskName, key).TryGetSByte(out var value) ? value : throw OutOfRange(ref reader, "sbyte", taskName, key);

    /// <summary>Reads a JSON integer that fits a <see cref="short"/>.</summary>
    public static short ReadInt16(ref Utf8JsonReader reader, string taskName, string key) =>
        ExpectNumber(ref reader, taskName, key).TryGetInt16(out var value) ? value : throw OutOfRange(ref reader, "short", taskName, key);

    /// <summary>Reads a JSON integer that fits a <see cref="ushort"/>.</summary>
    public static ushort ReadUInt16(ref Utf8JsonReader reader, string taskName, string key) =>
        ExpectNumber(ref reader, taskName, key).TryGetUInt16(out var value) ? value : throw OutOfRange(ref reader, "ushort", taskName, key);

    /// <summary>Reads a JSON integer that fits an <see cref="int"/>.</summary>
    public static int ReadInt32(ref Utf8JsonReader reader, string taskName, string key) =>
        ExpectNumber(ref reader, taskName, key).TryGetInt32(out var value) ? value : throw OutOfRange(ref reader, "int", taskName, key);

    /// <summary>Reads a JSON integer that fits a <see cref="uint"/>.</summary>
    public static uint ReadUInt32(ref Utf8JsonReader reader, string taskName, string key) =>
        ExpectNumber(ref reader, taskName, key).TryGetUInt32(out var value) ? value : throw OutOfRange(ref reader, "uint", taskName, key);

    /// <summary>Reads a JSON integer that fits a <see cref="long"/>.</summary>
    public static long ReadInt64(ref Utf8JsonReader reader, string taskName, string key) =>
        ExpectNumber(ref reader, taskName, key).TryGetInt64(out var value) ? value : throw OutOfRange(ref reader, "long", taskName, key);

    /// <summary>Reads a JSON integer that fits a <see cref="ulong"/>.</summary>
    public static ulong ReadUInt64(ref Utf8JsonReader reader, string taskName, string key) =>
        ExpectNumber(ref reader, taskName, key).TryGetUInt64(out var value) ? value : throw OutOfRange(ref reader, "ulong", taskName, key);

    /// <summary>Reads a JSON integer that fits an <see cref="nint"/> of this process.</summary>
    public static nint ReadIntPtr(ref Utf8JsonReader reader, string taskName, string key) =>
        ExpectNumber(ref reader, taskName, key).TryGetInt64(out var value) && value >= nint.MinValue && value <= nint.MaxValue
            ? (nint)value
            : throw OutOfRange(ref reader, "nint", taskName, key);

    /// <summary>Reads a JSON integer that fits an <see cref="nuint"/> of this process.</summary>
    public static nuint ReadUIntPtr(ref Utf8JsonReader reader, string taskName, string key) =>
        ExpectNumber(ref reader, taskName, key).TryGetUInt64(out var value) && value <= nuint.MaxValue
            ? (nuint)value
            : throw OutOfRange(ref reader, "nuint", taskName, key);

    /// <summary>Reads a JSON number as a <see cref="float"/>.</summary>
    public static float ReadSingle(ref Utf8JsonReader reader, string taskName, string key) =>
        ExpectNumber(ref reader, taskName, key).TryGetSingle(out var value) && float.IsFinite(value)
            ? value
            : throw OutOfRange(ref reader, "float", taskName, key);

    /// <summary>Reads a JSON number as a <see cref="double"/>.</summary>
    public static double ReadDouble(ref Utf8JsonReader reader, string taskName, string key) =>
        ExpectNumber(ref reader, taskName, key).TryGetDouble(out var value) && double.IsFinite(value)
            ? value
            : throw OutOfRange(ref reader, "double", taskName, key);

    /// <summary>Reads a JSON number as a <see cref="decimal"/>, keeping its scale.</summary>
    public static decimal ReadDecimal(ref Utf8JsonReader reader, string taskName, string key) =>
        ExpectNumber(ref reader, taskName, key).TryGetDecimal(out var value) ? value : throw OutOfRange(ref reader, "decimal", taskName, key);

    /// <summary>Reads a JSON string.</summary>
    /// <exception cref="TaskArgumentsException">Not a string, or a string with a lone UTF-16 surrogate.</exception>
    public static string ReadString(ref Utf8JsonReader reader, string taskName, string key) =>
        reader.TokenType == JsonTokenType.String ? GetString(ref reader, taskName, key) : throw WrongType(reader.TokenType, "a string", taskName, key);

    /// <summary>The error for a JSON integer that the argument's enum type does not define.</summary>
    public static TaskArgumentsException UndefinedEnumValue(string taskName, string key, string enumType, string value) =>
        new(taskName, key, $"{value} is not a defined value of enum '{enumType}'");

    /// <summary>The error for deferring an enum value that its type does not define.</summary>
    public static ArgumentException UndefinedEnumArgument(string taskName, string key, string enumType, string value) =>
        new($"Argument '{key}' of task '{taskName}' is {value}, which is not a defined value of enum '{enumType}'.", key);

    /// <summary>Writes a string that is valid UTF-16.</summary>
    /// <exception cref="ArgumentException">The string has a lone surrogate, which JSON text cannot carry unchanged.</exception>
    public static void WriteString(Utf8JsonWriter writer, string value, string taskName, string key)
    {
        ArgumentNullException.ThrowIfNull(writer);
        CheckSurrogates(value, taskName, key);
        writer.WriteStringValue(value);
    }

    /// <summary>Writes a dictionary entry's key, which must be valid UTF-16.</summary>
    /// <exception cref="ArgumentException">The key has a lone surrogate.</exception>
    public static void WriteDictionaryKey(Utf8JsonWriter writer, string entryKey, string taskName, string key)
    {
        ArgumentNullException.ThrowIfNull(writer);
        CheckSurrogates(entryKey, taskName, key);
        writer.WritePropertyName(entryKey);
    }

    /// <summary>Reads a JSON string of exactly one UTF-16 code unit.</summary>
    public static char ReadChar(ref Utf8JsonReader reader, string taskName, string key)
    {
        var text = ReadString(ref reader, taskName, key);
        return text.Length == 1 ? text[0] : throw new TaskArgumentsException(taskName, key, "expected a string of one character");
    }

    /// <summary>Reads a GUID string.</summary>
    public static Guid ReadGuid(ref Utf8JsonReader reader, string taskName, string key) =>
        ExpectString(ref reader, taskName, key).TryGetGuid(out var value) ? value : throw BadFormat("a GUID", taskName, key);

    /// <summary>Reads an ISO 8601 date and time with an offset, as UTC.</summary>
    public static DateTime ReadDateTime(ref Utf8JsonReader reader, string taskName, string key)
    {
        if (!ExpectString(ref reader, taskName, key).TryGetDateTime(out var value))
        {
            throw BadFormat("an ISO 8601 date and time", taskName, key);
        }

        return value.Kind switch
        {
            DateTimeKind.Utc => value,
            DateTimeKind.Local => value.ToUniversalTime(),
            _ => throw new TaskArgumentsException(taskName, key, "the date and time has no UTC offset (expected e.g. '2024-01-31T12:00:00Z')"),
        };
    }

    /// <summary>Reads an ISO 8601 date and time with its offset.</summary>
    public static DateTimeOffset ReadDateTimeOffset(ref Utf8JsonReader reader, string taskName, string key) =>
        ExpectString(ref reader, taskName, key).TryGetDateTimeOffset(out var value) ? value : throw BadFormat("an ISO 8601 date and time", taskName, key);

    /// <summary>Reads a <c>yyyy-MM-dd</c> date.</summary>
    public static DateOnly ReadDateOnly(ref Utf8JsonReader reader, string taskName, string key) =>
        DateOnly.TryParseExact(ReadString(ref reader, taskName, key), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var value)
            ? value
            : throw BadFormat("a date (yyyy-MM-dd)", taskName, key);

    /// <summary>Reads a <c>HH:mm[:ss[.fffffff]]</c> time of day.</summary>
    public static TimeOnly ReadTimeOnly(ref Utf8JsonReader reader, string taskName, string key) =>
        TimeOnly.TryParseExact(ReadString(ref reader, taskName, key), TimeOnlyFormats, CultureInfo.InvariantCulture, DateTimeStyles.None, out var value)
            ? value
            : throw BadFormat("a time of day (HH:mm:ss.fffffff)", taskName, key);

    /// <summary>Reads a time span in the constant format (<c>[-][d.]hh:mm:ss[.fffffff]</c>).</summary>
    public static TimeSpan ReadTimeSpan(ref Utf8JsonReader reader, string taskName, string key) =>
        TimeSpan.TryParseExact(ReadString(ref reader, taskName, key), "c", CultureInfo.InvariantCulture, out var value)
            ? value
            : throw BadFormat("a time span ([-][d.]hh:mm:ss[.fffffff])", taskName, key);

    /// <summary>Writes a finite <see cref="float"/>.</summary>
    /// <exception cref="ArgumentException">NaN or an infinity.</exception>
    public static void WriteSingle(Utf8JsonWriter writer, float value, string taskName, string key)
    {
        ArgumentNullException.ThrowIfNull(writer);
        if (!float.IsFinite(value))
        {
            throw NotFinite(value.ToString(CultureInfo.InvariantCulture), taskName, key);
        }

        writer.WriteNumberValue(value);
    }

    /// <summary>Writes a finite <see cref="double"/>.</summary>
    /// <exception cref="ArgumentException">NaN or an infinity.</exception>
    public static void WriteDouble(Utf8JsonWriter writer, double value, string taskName, string key)
    {
        ArgumentNullException.ThrowIfNull(writer);
        if (!double.IsFinite(value))
        {
            throw NotFinite(value.ToString(CultureInfo.InvariantCulture), taskName, key);
        }

        writer.WriteNumberValue(value);
    }

    /// <summary>Writes a UTC <see cref="DateTime"/> as ISO 8601 ending in <c>Z</c>.</summary>
    /// <exception cref="ArgumentException">The value's kind is not <see cref="DateTimeKind.Utc"/>.</exception>
    public static void WriteDateTime(Utf8JsonWriter writer, DateTime value, string taskName, string key)
    {
        ArgumentNullException.ThrowIfNull(writer);
        if (value.Kind != DateTimeKind.Utc)
        {
            throw new ArgumentException(
                $"Argument '{key}' of task '{taskName}' must be a UTC DateTime (Kind is {value.Kind}); use DateTime.UtcNow, ToUniversalTime() or DateTimeOffset.",
                key);
        }

        writer.WriteStringValue(value);
    }

    /// <summary>Writes a <see cref="char"/> as a one-character string.</summary>
    /// <exception cref="ArgumentException">The character is a surrogate, which no string of one character can carry.</exception>
    public static void WriteChar(Utf8JsonWriter writer, char value, string taskName, string key)
    {
        ArgumentNullException.ThrowIfNull(writer);
        CheckSurrogates(value.ToString(), taskName, key);
        writer.WriteStringValue(value.ToString());
    }

    /// <summary>Writes a date as <c>yyyy-MM-dd</c>.</summary>
    public static void WriteDateOnly(Utf8JsonWriter writer, DateOnly value)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteStringValue(value.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
    }

    /// <summary>Writes a time of day as <c>HH:mm:ss.fffffff</c>.</summary>
    public static void WriteTimeOnly(Utf8JsonWriter writer, TimeOnly value)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteStringValue(value.ToString(TimeOnlyFormat, CultureInfo.InvariantCulture));
    }

    /// <summary>Writes a time span in the constant format.</summary>
    public static void WriteTimeSpan(Utf8JsonWriter writer, TimeSpan value)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteStringValue(value.ToString("c", CultureInfo.InvariantCulture));
    }

    /// <summary>
    /// The current string token; a lone surrogate escape (<c>"\ud800"</c>) is refused by name rather than let through
    /// as the reader's <see cref="InvalidOperationException"/>.
    /// </summary>
    private static string GetString(ref Utf8JsonReader reader, string taskName, string? key)
    {
        try
        {
            return reader.GetString()!;
        }
        catch (InvalidOperationException exception)
        {
            throw new TaskArgumentsException(taskName, key, "the string has a lone UTF-16 surrogate (an unpaired \\uD800-\\uDFFF escape)", exception);
        }
    }

    /// <summary>Refuses a string that is not valid UTF-16: JSON writers replace a lone surrogate with U+FFFD, changing the data.</summary>
    private static void CheckSurrogates(string value, string taskName, string key)
    {
        for (var i = 0; i < value.Length; i++)
        {
            if (!char.IsSurrogate(value[i]))
            {
                continue;
            }

            if (char.IsHighSurrogate(value[i]) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]))
            {
                i++;
                continue;
            }

            throw new ArgumentException(
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"Argument '{key}' of task '{taskName}' has a lone UTF-16 surrogate (U+{(int)value[i]:X4} at index {i}), which JSON cannot store unchanged."),
                key);
        }
    }

    private static ref Utf8JsonReader ExpectNumber(ref Utf8JsonReader reader, string taskName, string key)
    {
        if (reader.TokenType != JsonTokenType.Number)
        {
            throw WrongType(reader.TokenType, "a number", taskName, key);
        }

        return ref reader;
    }

    private static ref Utf8JsonReader ExpectString(ref Utf8JsonReader reader, string taskName, string key)
    {
        if (reader.TokenType != JsonTokenType.String)
        {
            throw WrongType(reader.TokenType, "a string", taskName, key);
        }

        return ref reader;
    }

    private static TaskArgumentsException WrongType(JsonTokenType found, string expected, string taskName, string key) =>
        new(taskName, key, "expected " + expected + ", found " + Describe(found));

    private static TaskArgumentsException OutOfRange(ref Utf8JsonReader reader, string type, string taskName, string key) =>
        new(taskName, key, "the number " + Encoding.UTF8.GetString(reader.ValueSpan) + " does not fit a " + type);

    private static TaskArgumentsException BadFormat(string expected, string taskName, string key) =>
        new(taskName, key, "expected " + expected);

    private static ArgumentException NotFinite(string value, string taskName, string key) =>
        new($"Argument '{key}' of task '{taskName}' is {value}, which JSON cannot hold.", key);

    private static string Describe(JsonTokenType token) => token switch
    {
        JsonTokenType.None => "nothing",
        JsonTokenType.StartObject => "an object",
        JsonTokenType.StartArray => "an array",
        JsonTokenType.String => "a string",
        JsonTokenType.Number => "a number",
        JsonTokenType.True or JsonTokenType.False => "a boolean",
        JsonTokenType.Null => "null",
        _ => token.ToString(),
    };
}
