namespace Procrastinate.Generators.Models;

/// <summary>How a task argument's type maps to JSON; decides the emitted reader and writer code.</summary>
internal enum ValueKind
{
    /// <summary><see cref="bool"/>: JSON true/false.</summary>
    Boolean,

    /// <summary><see cref="byte"/>: JSON integer.</summary>
    Byte,

    /// <summary><see cref="sbyte"/>: JSON integer.</summary>
    SByte,

    /// <summary><see cref="short"/>: JSON integer.</summary>
    Int16,

    /// <summary><see cref="ushort"/>: JSON integer.</summary>
    UInt16,

    /// <summary><see cref="int"/>: JSON integer.</summary>
    Int32,

    /// <summary><see cref="uint"/>: JSON integer.</summary>
    UInt32,

    /// <summary><see cref="long"/>: JSON integer.</summary>
    Int64,

    /// <summary><see cref="ulong"/>: JSON integer.</summary>
    UInt64,

    /// <summary><c>nint</c>: JSON integer (written as a <see cref="long"/>).</summary>
    IntPtr,

    /// <summary><c>nuint</c>: JSON integer (written as a <see cref="ulong"/>).</summary>
    UIntPtr,

    /// <summary><see cref="float"/>: JSON number, finite.</summary>
    Single,

    /// <summary><see cref="double"/>: JSON number, finite.</summary>
    Double,

    /// <summary><see cref="decimal"/>: JSON number written with its scale.</summary>
    Decimal,

    /// <summary><see cref="string"/>: JSON string.</summary>
    String,

    /// <summary><see cref="char"/>: JSON string of one UTF-16 unit.</summary>
    Char,

    /// <summary><c>Guid</c>: JSON string.</summary>
    Guid,

    /// <summary><c>DateTime</c> (UTC only): ISO 8601 JSON string ending in <c>Z</c>.</summary>
    DateTime,

    /// <summary><c>DateTimeOffset</c>: ISO 8601 JSON string with offset.</summary>
    DateTimeOffset,

    /// <summary><c>DateOnly</c>: <c>yyyy-MM-dd</c>.</summary>
    DateOnly,

    /// <summary><c>TimeOnly</c>: <c>HH:mm:ss.fffffff</c>.</summary>
    TimeOnly,

    /// <summary><c>TimeSpan</c>: constant (<c>"c"</c>) format.</summary>
    TimeSpan,

    /// <summary>An enum: its underlying integer; <see cref="TypeModel.Element"/> is the underlying type.</summary>
    Enum,

    /// <summary><c>Nullable&lt;T&gt;</c>; <see cref="TypeModel.Element"/> is <c>T</c>.</summary>
    Nullable,

    /// <summary><c>T[]</c>: JSON array.</summary>
    Array,

    /// <summary><c>List&lt;T&gt;</c>: JSON array.</summary>
    List,

    /// <summary><c>IReadOnlyList&lt;T&gt;</c>: JSON array.</summary>
    ReadOnlyList,

    /// <summary><c>Dictionary&lt;string, T&gt;</c>: JSON object.</summary>
    Dictionary,

    /// <summary>Any other type: read and written by a user <c>JsonSerializerContext</c>.</summary>
    Context,
}
