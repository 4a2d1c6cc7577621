using Microsoft.CodeAnalysis;
using Procrastinate.Generators.Helpers;

namespace Procrastinate.Generators.Models;

/// <summary>
/// A diagnostic found by comparing tasks (uncovered JSON types, duplicate names), held without a location: it
/// names the task by its position among all tasks, and the parameter by its position, so the location is attached
/// when it is reported.
/// </summary>
/// <param name="TaskIndex">The task's position in the collected tasks.</param>
/// <param name="ParameterIndex">The parameter's position, or -1 for the method.</param>
/// <param name="Descriptor">The descriptor.</param>
/// <param name="Arguments">The message arguments.</param>
internal sealed record CrossTaskDiagnostic(
    int TaskIndex,
    int ParameterIndex,
    DiagnosticDescriptor Descriptor,
    EquatableArray<string> Arguments);
