namespace Procrastinate.Generators.Models;

/// <summary>One parameter of a task method.</summary>
/// <param name="Name">The C# parameter name (escaped with <c>@</c> when it is a keyword).</param>
/// <param name="TypeName">The fully qualified parameter type, as written in the defining declaration.</param>
/// <param name="Kind">What it receives.</param>
/// <param name="JsonKey">The JSON key (the parameter name, or the <c>[TaskArgument]</c> name).</param>
/// <param name="PropertyName">The property of the generated <c>Args</c> record.</param>
/// <param name="DefaultValue">The C# default value expression, or <see langword="null"/> for a required argument.</param>
/// <param name="Type">For arguments: the JSON mapping.</param>
/// <param name="Location">Where the parameter is declared.</param>
/// <param name="Modifiers">Parameter modifiers to repeat in the defining declaration (<c>ref </c>, <c>params </c>…).</param>
internal sealed record ParameterModel(
    string Name,
    string TypeName,
    ParameterKind Kind,
    string JsonKey,
    string PropertyName,
    string? DefaultValue,
    TypeModel? Type,
    LocationInfo? Location,
    string Modifiers);
