using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using Procrastinate.Generators.Models;

namespace Procrastinate.Generators.Helpers;

/// <summary>
/// Checks a <c>[Periodic(Args = ...)]</c> JSON object against the task's arguments at compile time, as the worker's
/// generated reader would at start: every key is an argument (or <c>timestamp</c>, which the tick fills in and the
/// schedule may not set), every required argument other than <c>timestamp</c> is given, and each value's JSON kind
/// fits the argument's type where the type says which kind it reads.
/// </summary>
internal static class PeriodicArgsChecker
{
    private const string TimestampKey = "timestamp";

    /// <summary>The problems, in order; empty when the arguments fit.</summary>
    public static List<string> Check(string? args, IReadOnlyList<ParameterModel> parameters)
    {
        var problems = new List<string>();
        var arguments = parameters.Where(static p => p.Kind == ParameterKind.Argument).ToList();
        var members = new List<(string Key, JsonKind Kind)>();
        if (args is not null)
        {
            var error = JsonScanner.ReadObject(args, members);
            if (error is not null)
            {
                problems.Add("Args is not a JSON object: " + error);
                return problems;
            }
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (key, kind) in members)
        {
            if (!seen.Add(key))
            {
                problems.Add("Args has the key '" + key + "' more than once");
                continue;
            }

            if (key == TimestampKey)
            {
                problems.Add("Args sets 'timestamp', which each periodic job gets from its tick");
                continue;
            }

            var argument = arguments.FirstOrDefault(a => a.JsonKey == key);
            if (argument is null)
            {
                problems.Add("Args has the key '" + key + "', which is not an argument of the task" + Known(arguments));
            }
            else if (argument.Type is { } type && !Fits(type, kind))
            {
                problems.Add(string.Format(
                    CultureInfo.InvariantCulture,
                    "Args gives '{0}' a JSON {1}, but the argument is '{2}'",
                    key,
                    Describe(kind),
                    argument.TypeName.Replace("global::", "")));
            }
        }

        foreach (var argument in arguments)
        {
            if (argument.DefaultValue is null && argument.JsonKey != TimestampKey && !members.Any(m => m.Key == argument.JsonKey))
            {
                problems.Add("Args does not give the required argument '" + argument.JsonKey + "'; add it to Args or give the parameter a default value");
            }
        }

        return problems;
    }

    private static string Known(List<ParameterModel> arguments) =>
        arguments.Count == 0 ? " (it has none)" : " (" + string.Join(", ", arguments.Select(static a => a.JsonKey)) + ")";

    private static bool Fits(TypeModel type, JsonKind kind)
    {
        if (kind == JsonKind.Null)
        {
            return type.AllowsNull || type.Kind == ValueKind.Context;
        }

        switch (type.Kind)
        {
            case ValueKind.Boolean:
                return kind == JsonKind.Boolean;
            case ValueKind.Byte or ValueKind.SByte or ValueKind.Int16 or ValueKind.UInt16 or ValueKind.Int32 or ValueKind.UInt32
                or ValueKind.Int64 or ValueKind.UInt64 or ValueKind.IntPtr or ValueKind.UIntPtr or ValueKind.Enum:
                return kind == JsonKind.Integer;
            case ValueKind.Single or ValueKind.Double or ValueKind.Decimal:
                return kind is JsonKind.Integer or JsonKind.Number;
            case ValueKind.String or ValueKind.Char or ValueKind.Guid or ValueKind.DateTime or ValueKind.DateTimeOffset
                or ValueKind.DateOnly or ValueKind.TimeOnly or ValueKind.TimeSpan:
                return kind == JsonKind.String;
            case ValueKind.Nullable:
                return type.Element is null || Fits(type.Element, kind);
            case ValueKind.Array or ValueKind.List or ValueKind.ReadOnlyList:
                return kind == JsonKind.Array;
            case ValueKind.Dictionary:
                return kind == JsonKind.Object;
            default:
                // A user JsonSerializerContext decides what it reads.
                return true;
        }
    }

    private static string Describe(JsonKind kind) => kind switch
    {
        JsonKind.Integer => "integer",
        JsonKind.Number => "number with a fraction or exponent",
        JsonKind.Boolean => "boolean",
        JsonKind.String => "string",
        JsonKind.Array => "array",
        JsonKind.Object => "object",
        _ => "null",
    };

    /// <summary>The kind of one JSON value, as far as the check needs it.</summary>
    internal enum JsonKind
    {
        Null,
        Boolean,
        Integer,
        Number,
        String,
        Array,
        Object,
    }

    /// <summary>A strict JSON reader for one object's members (keys and value kinds); nested values are only checked.</summary>
    private sealed class JsonScanner
    {
        private readonly string _text;
        private int _at;

        private JsonScanner(string text)
        {
            _text = text;
        }

        public static string? ReadObject(string text, List<(string Key, JsonKind Kind)> members)
        {
            var scanner = new JsonScanner(text);
            try
            {
                scanner.SkipSpace();
                if (scanner.Peek() != '{')
                {
                    return "it must start with '{'";
                }

                scanner._at++;
                scanner.SkipSpace();
                if (scanner.Peek() == '}')
                {
                    scanner._at++;
                }
                else
                {
                    while (true)
                    {
                        scanner.SkipSpace();
                        var key = scanner.ReadString();
                        scanner.SkipSpace();
                        scanner.Expect(':');
                        members.Add((key, scanner.ReadValue()));
                        scanner.SkipSpace();
                        if (scanner.Peek() == ',')
                        {
                            scanner._at++;
                            continue;
                        }

                        scanner.Expect('}');
                        break;
                    }
                }

                scanner.SkipSpace();
                return scanner._at == text.Length ? null : scanner.Error("unexpected text after the object");
            }
            catch (FormatException exception)
            {
                return exception.Message;
            }
        }

        private JsonKind ReadValue()
        {
            SkipSpace();
            switch (Peek())
            {
                case '{':
                    _at++;
                    SkipSpace();
                    if (Peek() == '}')
                    {
                        _at++;
                        return JsonKind.Object;
                    }

                    do
                    {
                        SkipSpace();
                        ReadString();
                        SkipSpace();
                        Expect(':');
                        ReadValue();
                        SkipSpace();
                    }
                    while (TryTake(','));

                    Expect('}');
                    return JsonKind.Object;
                case '[':
                    _at++;
                    SkipSpace();
                    if (Peek() == ']')
                    {
                        _at++;
                        return JsonKind.Array;
                    }

                    do
                    {
                        ReadValue();
                        SkipSpace();
                    }
                    while (TryTake(','));

                    Expect(']');
                    return JsonKind.Array;
                case '"':
                    ReadString();
                    return JsonKind.String;
                case 't':
                    Literal("true");
                    return JsonKind.Boolean;
                case 'f':
                    Literal("false");
                    return JsonKind.Boolean;
                case 'n':
                    Literal("null");
                    return JsonKind.Null;
                default:
                    return ReadNumber();
            }
        }

        private JsonKind ReadNumber()
        {
            var start = _at;
            TryTake('-');
            if (!TryTake('0'))
            {
                if (!IsDigit(Peek()))
                {
                    throw new FormatException(Error("expected a value"));
                }

                while (IsDigit(Peek()))
                {
                    _at++;
                }
            }

            var kind = JsonKind.Integer;
            if (TryTake('.'))
            {
                kind = JsonKind.Number;
                Digits();
            }

            if (Peek() is 'e' or 'E')
            {
                _at++;
                kind = JsonKind.Number;
                if (!TryTake('+'))
                {
                    TryTake('-');
                }

                Digits();
            }

            return _at > start ? kind : throw new FormatException(Error("expected a value"));
        }

        private void Digits()
        {
            if (!IsDigit(Peek()))
            {
                throw new FormatException(Error("expected a digit"));
            }

            while (IsDigit(Peek()))
            {
                _at++;
            }
        }

        private string ReadString()
        {
            Expect('"');
            var value = new System.Text.StringBuilder();
            while (true)
            {
                if (_at >= _text.Length)
                {
                    throw new FormatException(Error("a string is not closed"));
                }

                var c = _text[_at++];
                if (c == '"')
                {
                    return value.ToString();
                }

                if (c < ' ')
                {
                    throw new FormatException(Error("a control character must be escaped"));
                }

                if (c != '\\')
                {
                    value.Append(c);
                    continue;
                }

                var escape = _at < _text.Length ? _text[_at++] : '\0';
                switch (escape)
                {
                    case '"' or '\\' or '/':
                        value.Append(escape);
                        break;
                    case 'b':
                        value.Append('\b');
                        break;
                    case 'f':
                        value.Append('\f');
                        break;
                    case 'n':
                        value.Append('\n');
                        break;
                    case 'r':
                        value.Append('\r');
                        break;
                    case 't':
                        value.Append('\t');
                        break;
                    case 'u' when _at + 4 <= _text.Length
                        && int.TryParse(_text.Substring(_at, 4), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var code):
                        value.Append((char)code);
                        _at += 4;
                        break;
                    default:
                        throw new FormatException(Error("a string has an invalid escape"));
                }
            }
        }

        private void Literal(string word)
        {
            if (string.CompareOrdinal(_text, _at, word, 0, word.Length) != 0)
            {
                throw new FormatException(Error("expected a value"));
            }

            _at += word.Length;
        }

        private void Expect(char c)
        {
            if (!TryTake(c))
            {
                throw new FormatException(Error("expected '" + c + "'"));
            }
        }

        private bool TryTake(char c)
        {
            if (Peek() != c)
            {
                return false;
            }

            _at++;
            return true;
        }

        private char Peek() => _at < _text.Length ? _text[_at] : '\0';

        private void SkipSpace()
        {
            while (Peek() is ' ' or '\t' or '\n' or '\r')
            {
                _at++;
            }
        }

        private static bool IsDigit(char c) => c is >= '0' and <= '9';

        private string Error(string what) => what + " at position " + _at.ToString(CultureInfo.InvariantCulture);
    }
}
