using Procrastinate.Generators.Helpers;

namespace Procrastinate.Generators.Models;

/// <summary>The result of validating all tasks once, together: what each file gets and what is reported.</summary>
/// <param name="Sources">One entry per task that gets a file (its definition, its handle, or both).</param>
/// <param name="Registered">The handle types whose definitions the registry lists, in declaration order.</param>
/// <param name="Diagnostics">The diagnostics found across tasks.</param>
internal sealed record TaskSetModel(
    EquatableArray<TaskSourceModel> Sources,
    EquatableArray<string> Registered,
    EquatableArray<CrossTaskDiagnostic> Diagnostics);
