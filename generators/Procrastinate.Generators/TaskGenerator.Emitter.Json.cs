using System.Collections.Generic;
using System.Globalization;
using Procrastinate.Generators.Helpers;
using Procrastinate.Generators.Models;

namespace Procrastinate.Generators;

/// <content>
/// Writes each task's JSON argument writer (<c>Utf8JsonWriter</c>) and reader (<c>Utf8JsonReader</c>): our own code,
/// because the System.Text.Json generator cannot see what this generator emits.
/// </content>
public sealed partial class TaskGenerator
{
    /// <content>The argument writer and reader.</content>
    internal static partial class Emitter
    {
        private static void WriteWriter(SourceWriter writer, List<ParameterModel> arguments, Dictionary<string, string> coverage)
        {
            writer.Line("private static string WriteArgs(Args args)");
            writer.Open();
            writer.Line(ThrowIfNull + "(args);");
            writer.Line("var buffer = new global::System.Buffers.ArrayBufferWriter<byte>();");
            writer.Line("using (var writer = new global::System.Text.Json.Utf8JsonWriter(buffer))");
            writer.Open();
            writer.Line("writer.WriteStartObject();");
            for (var i = 0; i < arguments.Count; i++)
            {
                var key = Literal(arguments[i].JsonKey);
                writer.Line("writer.WritePropertyName(" + key + ");");
                WriteValue(writer, arguments[i].Type!, "args." + arguments[i].PropertyName, key, i.ToString(CultureInfo.InvariantCulture), coverage);
            }

            writer.Line("writer.WriteEndObject();");
            writer.Close();
            writer.Line();
            writer.Line("return global::System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);");
            writer.Close();
        }

        /// <summary>Emits statements that write <paramref name="value"/> (an expression) as JSON.</summary>
        /// <param name="names">Makes local names unique: the argument's index, then one more <c>_</c> per nesting level
        /// (a pattern variable of an <c>if</c> lives in the whole enclosing block).</param>
        private static void WriteValue(SourceWriter writer, TypeModel type, string value, string key, string names, Dictionary<string, string> coverage)
        {
            var local = "v" + names;
            if (type.Kind == ValueKind.Nullable)
            {
                writer.Open("if (" + value + " is { } " + local + ")");
                WriteValue(writer, type.Element!, local, key, names + "_", coverage);
                writer.Close();
                writer.Open("else");
                writer.Line("writer.WriteNullValue();");
                writer.Close();
                return;
            }

            if (IsReference(type))
            {
                if (type.AllowsNull)
                {
                    writer.Open("if (" + value + " is null)");
                    writer.Line("writer.WriteNullValue();");
                    writer.Close();
                    writer.Open("else");
                    WriteNonNullValue(writer, type, value, key, names, coverage);
                    writer.Close();
                }
                else
                {
                    writer.Open("if (" + value + " is null)");
                    writer.Line("throw " + ArgsJson + ".NullArgument(Name, " + key + ");");
                    writer.Close();
                    writer.Line();
                    WriteNonNullValue(writer, type, value, key, names, coverage);
                }

                return;
            }

            WriteNonNullValue(writer, type, value, key, names, coverage);
        }

        private static void WriteNonNullValue(SourceWriter writer, TypeModel type, string value, string key, string names, Dictionary<string, string> coverage)
        {
            var item = "item" + names;
            switch (type.Kind)
            {
                case ValueKind.Boolean:
                    writer.Line("writer.WriteBooleanValue(" + value + ");");
                    break;
                case ValueKind.Byte or ValueKind.SByte or ValueKind.Int16 or ValueKind.UInt16 or ValueKind.Int32
                    or ValueKind.UInt32 or ValueKind.Int64 or ValueKind.UInt64 or ValueKind.Decimal:
                    writer.Line("writer.WriteNumberValue(" + value + ");");
                    break;
                case ValueKind.IntPtr:
                    writer.Line("writer.WriteNumberValue((long)" + value + ");");
                    break;
                case ValueKind.UIntPtr:
                    writer.Line("writer.WriteNumberValue((ulong)" + value + ");");
                    break;
                case ValueKind.Guid or ValueKind.DateTimeOffset:
                    writer.Line("writer.WriteStringValue(" + value + ");");
                    break;
                case ValueKind.Enum when type.EnumCheck is null:
                    writer.Line("writer.WriteNumberValue((" + type.Element!.TypeName + ")" + value + ");");
                    break;
                case ValueKind.Enum:
                    writer.Open();
                    writer.Line("var enumValue = (" + type.Element!.TypeName + ")" + value + ";");
                    writer.Open("if (!(" + EnumCondition(type) + "))");
                    writer.Line("throw " + ArgsJson + ".UndefinedEnumArgument(Name, " + key + ", " + Literal(type.TypeName.Replace("global::", "")) + ", enumValue.ToString(global::System.Globalization.CultureInfo.InvariantCulture));");
                    writer.Close();
                    writer.Line();
                    writer.Line("writer.WriteNumberValue(enumValue);");
                    writer.Close();
                    break;
                case ValueKind.String or ValueKind.Char or ValueKind.Single or ValueKind.Double or ValueKind.DateTime:
                    writer.Line(ArgsJson + ".Write" + type.Kind + "(writer, " + value + ", Name, " + key + ");");
                    break;
                case ValueKind.DateOnly or ValueKind.TimeOnly or ValueKind.TimeSpan:
                    writer.Line(ArgsJson + ".Write" + type.Kind + "(writer, " + value + ");");
                    break;
                case ValueKind.Array or ValueKind.List or ValueKind.ReadOnlyList:
                    writer.Line("writer.WriteStartArray();");
                    writer.Open("foreach (var " + item + " in " + value + ")");
                    WriteValue(writer, type.Element!, item, key, names + "_", coverage);
                    writer.Close();
                    writer.Line();
                    writer.Line("writer.WriteEndArray();");
                    break;
                case ValueKind.Dictionary:
                    writer.Line("writer.WriteStartObject();");
                    writer.Open("foreach (var " + item + " in " + value + ")");
                    writer.Line(ArgsJson + ".WriteDictionaryKey(writer, " + item + ".Key, Name, " + key + ");");
                    WriteValue(writer, type.Element!, item + ".Value", key, names + "_", coverage);
                    writer.Close();
                    writer.Line();
                    writer.Line("writer.WriteEndObject();");
                    break;
                default:
                    writer.Line("global::System.Text.Json.JsonSerializer.Serialize(writer, " + value + ", " + TypeInfo(type, coverage) + ");");
                    break;
            }
        }

        private static void WriteReader(SourceWriter writer, List<ParameterModel> arguments, bool ignoresTimestamp, Dictionary<string, string> coverage)
        {
            writer.Lines($$"""
                private static Args ReadArgs(string json)
                {
                    {{ThrowIfNull}}(json);
                    try
                    {
                        return ReadArgs(global::System.Text.Encoding.UTF8.GetBytes(json));
                    }
                    catch (global::System.Text.Json.JsonException exception)
                    {
                        throw {{ArgsJson}}.InvalidJson(Name, exception);
                    }
                }

                private static Args ReadArgs(byte[] utf8)
                {
                    var reader = new global::System.Text.Json.Utf8JsonReader(utf8);
                    {{ArgsJson}}.ReadStartObject(ref reader, Name);
                """);
            writer.Indent();
            for (var i = 0; i < arguments.Count; i++)
            {
                var index = i.ToString(CultureInfo.InvariantCulture);
                writer.Line(arguments[i].TypeName + " a" + index + " = default!;");
                writer.Line("var has" + index + " = false;");
            }

            writer.Open("while (" + ArgsJson + ".ReadProperty(ref reader, Name, out var key))");
            writer.Open("switch (key)");
            for (var i = 0; i < arguments.Count; i++)
            {
                var index = i.ToString(CultureInfo.InvariantCulture);
                var key = Literal(arguments[i].JsonKey);
                writer.Line("case " + key + ":");
                writer.Open();
                writer.Line(ArgsJson + ".CheckNotSeen(has" + index + ", Name, " + key + ");");
                ReadValue(writer, arguments[i].Type!, "a" + index, key, 0, coverage);
                writer.Line("has" + index + " = true;");
                writer.Line("break;");
                writer.Close();
            }

            if (ignoresTimestamp)
            {
                writer.Line("case " + Literal(PeriodicTimestampKey) + ":");
                writer.Line("    reader.Skip();");
                writer.Line("    break;");
            }

            writer.Line("default:");
            writer.Line("    throw " + ArgsJson + ".UnknownKey(Name, key);");
            writer.Close();
            writer.Close();
            writer.Line();
            var values = new List<string>();
            for (var i = 0; i < arguments.Count; i++)
            {
                var index = i.ToString(CultureInfo.InvariantCulture);
                if (arguments[i].DefaultValue is { } defaultValue)
                {
                    values.Add("has" + index + " ? a" + index + " : " + defaultValue);
                    continue;
                }

                writer.Open("if (!has" + index + ")");
                writer.Line("throw " + ArgsJson + ".MissingKey(Name, " + Literal(arguments[i].JsonKey) + ");");
                writer.Close();
                writer.Line();
                values.Add("a" + index);
            }

            writer.Line("return new Args(" + string.Join(", ", values) + ");");
            writer.Unindent();
            writer.Line("}");
        }

        /// <summary>Emits statements that read the current JSON value into <paramref name="target"/>.</summary>
        private static void ReadValue(SourceWriter writer, TypeModel type, string target, string key, int depth, Dictionary<string, string> coverage)
        {
            if (type.AllowsNull)
            {
                writer.Open("if (reader.TokenType == " + JsonTokenType + ".Null)");
                writer.Line(target + " = null;");
                writer.Close();
                writer.Open("else");
                ReadNonNullValue(writer, type.Kind == ValueKind.Nullable ? type.Element! : type, target, key, depth, coverage);
                writer.Close();
                return;
            }

            ReadNonNullValue(writer, type, target, key, depth, coverage);
        }

        private static void ReadNonNullValue(SourceWriter writer, TypeModel type, string target, string key, int depth, Dictionary<string, string> coverage)
        {
            var suffix = depth.ToString(CultureInfo.InvariantCulture);
            switch (type.Kind)
            {
                case ValueKind.Enum when type.EnumCheck is null:
                    writer.Line(target + " = (" + type.TypeName + ")" + ArgsJson + ".Read" + type.Element!.Kind + "(ref reader, Name, " + key + ");");
                    break;
                case ValueKind.Enum:
                    writer.Open();
                    writer.Line("var enumValue = " + ArgsJson + ".Read" + type.Element!.Kind + "(ref reader, Name, " + key + ");");
                    writer.Open("if (!(" + EnumCondition(type) + "))");
                    writer.Line("throw " + ArgsJson + ".UndefinedEnumValue(Name, " + key + ", " + Literal(type.TypeName.Replace("global::", "")) + ", enumValue.ToString(global::System.Globalization.CultureInfo.InvariantCulture));");
                    writer.Close();
                    writer.Line();
                    writer.Line(target + " = (" + type.TypeName + ")enumValue;");
                    writer.Close();
                    break;
                case ValueKind.Nullable:
                    ReadNonNullValue(writer, type.Element!, target, key, depth, coverage);
                    break;
                case ValueKind.Array or ValueKind.List or ValueKind.ReadOnlyList:
                    var list = "list" + suffix;
                    var element = "element" + suffix;
                    writer.Line(ArgsJson + ".ReadStart(ref reader, " + JsonTokenType + ".StartArray, Name, " + key + ");");
                    writer.Line("var " + list + " = new global::System.Collections.Generic.List<" + type.Element!.TypeName + ">();");
                    writer.Open("while (" + ArgsJson + ".ReadArrayItem(ref reader))");
                    writer.Line(type.Element.TypeName + " " + element + " = default!;");
                    ReadValue(writer, type.Element, element, key, depth + 1, coverage);
                    writer.Line(list + ".Add(" + element + ");");
                    writer.Close();
                    writer.Line();
                    writer.Line(target + " = " + list + (type.Kind == ValueKind.Array ? ".ToArray();" : ";"));
                    break;
                case ValueKind.Dictionary:
                    var dictionary = "dictionary" + suffix;
                    var entryKey = "entryKey" + suffix;
                    var entry = "entry" + suffix;
                    writer.Line(ArgsJson + ".ReadStart(ref reader, " + JsonTokenType + ".StartObject, Name, " + key + ");");
                    writer.Line("var " + dictionary + " = new global::System.Collections.Generic.Dictionary<string, " + type.Element!.TypeName + ">();");
                    writer.Open("while (" + ArgsJson + ".ReadDictionaryKey(ref reader, Name, " + key + ", out var " + entryKey + "))");
                    writer.Line(type.Element.TypeName + " " + entry + " = default!;");
                    ReadValue(writer, type.Element, entry, key, depth + 1, coverage);
                    writer.Line(dictionary + "[" + entryKey + "] = " + entry + ";");
                    writer.Close();
                    writer.Line();
                    writer.Line(target + " = " + dictionary + ";");
                    break;
                case ValueKind.Context:
                    writer.Line(target + " = " + ArgsJson + ".Deserialize(ref reader, " + TypeInfo(type, coverage) + ", Name, " + key + ")"
                        + (type.AllowsNull || !IsReference(type) ? ";" : " ?? throw " + ArgsJson + ".NullValue(Name, " + key + ");"));
                    break;
                default:
                    writer.Line(target + " = " + ArgsJson + ".Read" + type.Kind + "(ref reader, Name, " + key + ");");
                    break;
            }
        }

        private static bool IsReference(TypeModel type) => type.IsReferenceType;

        /// <summary>The enum's defined-value condition over the local <c>enumValue</c> (of the underlying type).</summary>
        private static string EnumCondition(TypeModel type) =>
            string.Format(CultureInfo.InvariantCulture, type.EnumCheck!, "unchecked((ulong)(long)enumValue)");

        private static string TypeInfo(TypeModel type, Dictionary<string, string> coverage) =>
            ArgsJson + ".GetTypeInfo<" + type.ContextTypeName + ">(" + coverage[type.ContextTypeName!] + ".Default)";
    }
}
