namespace Procrastinate.Generators;

/// <summary>Names of the generator's pipeline steps, asserted on by the incrementality tests.</summary>
internal static class TrackingNames
{
    /// <summary>Each <c>[Task]</c> method turned into a <see cref="Models.TaskModel"/>.</summary>
    public const string Tasks = nameof(Tasks);

    /// <summary>Each user <c>JsonSerializerContext</c> turned into a <see cref="Models.JsonContextModel"/>.</summary>
    public const string JsonContexts = nameof(JsonContexts);

    /// <summary>The assembly name (names the registry).</summary>
    public const string AssemblyName = nameof(AssemblyName);

    /// <summary>All task models (with locations and diagnostics) and contexts: the input of diagnostic reporting.</summary>
    public const string DiagnosticsInput = nameof(DiagnosticsInput);

    /// <summary>Each task model without source locations or diagnostics: what the sources are made from.</summary>
    public const string EmitModels = nameof(EmitModels);

    /// <summary>All emit models, contexts and the assembly name together: the input of source generation.</summary>
    public const string Combined = nameof(Combined);
}
