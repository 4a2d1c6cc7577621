namespace Procrastinate.Generators.Models;

/// <summary>A task argument's type, as far as JSON is concerned.</summary>
/// <param name="Kind">How it maps to JSON.</param>
/// <param name="TypeName">The fully qualified C# type (with nullable annotation when it has one).</param>
/// <param name="Element">The element (array, list, dictionary value, nullable or enum underlying type).</param>
/// <param name="AllowsNull">Whether JSON <c>null</c> is accepted (annotated reference types and nullables).</param>
/// <param name="IsReferenceType">Whether the C# type is a reference type (null must be checked on write).</param>
/// <param name="ContextTypeName">For <see cref="ValueKind.Context"/>: the type the user context must cover.</param>
/// <param name="EnumCheck">For <see cref="ValueKind.Enum"/>: a C# condition, with <c>{0}</c> standing for the value as a
/// <see cref="ulong"/>, that holds for the enum's defined values (any combination of defined flags for a <c>[Flags]</c>
/// enum); <see langword="null"/> when every value is accepted (an enum without members).</param>
internal sealed record TypeModel(
    ValueKind Kind,
    string TypeName,
    TypeModel? Element,
    bool AllowsNull,
    bool IsReferenceType,
    string? ContextTypeName,
    string? EnumCheck = null);
