namespace Procrastinate.Generators.Models;

/// <summary>A task argument's type, as far as JSON is concerned.</summary>
/// <param name="Kind">How it maps to JSON.</param>
/// <param name="TypeName">The fully qualified C# type (with nullable annotation when it has one).</param>
/// <param name="Element">The element (array, list, dictionary value, nullable or enum underlying type).</param>
/// <param name="AllowsNull">Whether JSON <c>null</c> is accepted (annotated reference types and nullables).</param>
/// <param name="IsReferenceType">Whether the C# type is a reference type (null must be checked on write).</param>
/// <param name="ContextTypeName">For <see cref="ValueKind.Context"/>: the type the user context must cover.</param>
internal sealed record TypeModel(
    ValueKind Kind,
    string TypeName,
    TypeModel? Element,
    bool AllowsNull,
    bool IsReferenceType,
    string? ContextTypeName);
