using System.Collections.Concurrent;
using System.Text.Json.Serialization;

namespace Procrastinate.Generators.Tests.RoundTrip;

// Real tasks compiled by the generator as an analyzer of this project: one per supported parameter type.
// Each records what it received so the tests can compare it with what was deferred.

public enum Color
{
    Red = 1,
    Green = 2,
}

[Flags]
public enum BigFlags : long
{
    None = 0,
    Low = 1,
    High = long.MinValue,
}

public sealed record Point(int X, string Label);

public readonly record struct Money(decimal Amount, string Currency);

[JsonSerializable(typeof(Point))]
[JsonSerializable(typeof(Money))]
internal sealed partial class RoundTripJsonContext : JsonSerializerContext
{
}

public static partial class TypeTasks
{
    public static ConcurrentDictionary<string, object?> Received { get; } = new();

    [Task]
    public static partial void TakeBool(bool value) => Received[nameof(TakeBool)] = value;

    [Task]
    public static partial void TakeByte(byte value) => Received[nameof(TakeByte)] = value;

    [Task]
    public static partial void TakeSByte(sbyte value) => Received[nameof(TakeSByte)] = value;

    [Task]
    public static partial void TakeShort(short value) => Received[nameof(TakeShort)] = value;

    [Task]
    public static partial void TakeUShort(ushort value) => Received[nameof(TakeUShort)] = value;

    [Task]
    public static partial void TakeInt(int value) => Received[nameof(TakeInt)] = value;

    [Task]
    public static partial void TakeUInt(uint value) => Received[nameof(TakeUInt)] = value;

    [Task]
    public static partial void TakeLong(long value) => Received[nameof(TakeLong)] = value;

    [Task]
    public static partial void TakeULong(ulong value) => Received[nameof(TakeULong)] = value;

    [Task]
    public static partial void TakeNInt(nint value) => Received[nameof(TakeNInt)] = value;

    [Task]
    public static partial void TakeNUInt(nuint value) => Received[nameof(TakeNUInt)] = value;

    [Task]
    public static partial void TakeFloat(float value) => Received[nameof(TakeFloat)] = value;

    [Task]
    public static partial void TakeDouble(double value) => Received[nameof(TakeDouble)] = value;

    [Task]
    public static partial void TakeDecimal(decimal value) => Received[nameof(TakeDecimal)] = value;

    [Task]
    public static partial void TakeString(string value) => Received[nameof(TakeString)] = value;

    [Task]
    public static partial void TakeChar(char value) => Received[nameof(TakeChar)] = value;

    [Task]
    public static partial void TakeGuid(Guid value) => Received[nameof(TakeGuid)] = value;

    [Task]
    public static partial void TakeDateTime(DateTime value) => Received[nameof(TakeDateTime)] = value;

    [Task]
    public static partial void TakeDateTimeOffset(DateTimeOffset value) => Received[nameof(TakeDateTimeOffset)] = value;

    [Task]
    public static partial void TakeDateOnly(DateOnly value) => Received[nameof(TakeDateOnly)] = value;

    [Task]
    public static partial void TakeTimeOnly(TimeOnly value) => Received[nameof(TakeTimeOnly)] = value;

    [Task]
    public static partial void TakeTimeSpan(TimeSpan value) => Received[nameof(TakeTimeSpan)] = value;

    [Task]
    public static partial void TakeEnum(Color value) => Received[nameof(TakeEnum)] = value;

    [Task]
    public static partial void TakeLongEnum(BigFlags value) => Received[nameof(TakeLongEnum)] = value;

    [Task]
    public static partial void TakeNullableInt(int? value) => Received[nameof(TakeNullableInt)] = value;

    [Task]
    public static partial void TakeNullableString(string? value) => Received[nameof(TakeNullableString)] = value;

    [Task]
    public static partial void TakeNullableDateTime(DateTime? value) => Received[nameof(TakeNullableDateTime)] = value;

    [Task]
    public static partial void TakeIntArray(int[] value) => Received[nameof(TakeIntArray)] = value;

    [Task]
    public static partial void TakeStringList(List<string> value) => Received[nameof(TakeStringList)] = value;

    [Task]
    public static partial void TakeOffsetReadOnlyList(IReadOnlyList<DateTimeOffset> value) => Received[nameof(TakeOffsetReadOnlyList)] = value;

    [Task]
    public static partial void TakeDictionary(Dictionary<string, int> value) => Received[nameof(TakeDictionary)] = value;

    [Task]
    public static partial void TakeNestedList(List<int?[]> value) => Received[nameof(TakeNestedList)] = value;

    [Task]
    public static partial void TakeDecimalDictionary(Dictionary<string, List<decimal>> value) => Received[nameof(TakeDecimalDictionary)] = value;

    [Task]
    public static partial void TakePoint(Point value) => Received[nameof(TakePoint)] = value;

    [Task]
    public static partial void TakePointList(List<Point> value) => Received[nameof(TakePointList)] = value;

    [Task]
    public static partial void TakeNullablePoint(Point? value) => Received[nameof(TakeNullablePoint)] = value;

    [Task]
    public static partial void TakeMoney(Money value) => Received[nameof(TakeMoney)] = value;

    [Task]
    public static partial void TakeNullableMoney(Money? value) => Received[nameof(TakeNullableMoney)] = value;
}
