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

    /// <summary>Each task model without source locations or diagnostics: what the sources are made from.</summary>
    public const string EmitModels = nameof(EmitModels);

    /// <summary>All emit models validated together, once: hint names, handles, cross-task diagnostics.</summary>
    public const string TaskSet = nameof(TaskSet);

    /// <summary>One validated task per output: the input of each task's file.</summary>
    public const string TaskSources = nameof(TaskSources);

    /// <summary>The registered handles and the assembly name: the input of the registry.</summary>
    public const string Registry = nameof(Registry);

    /// <summary>All task models (with locations and diagnostics) and the cross-task diagnostics: the input of reporting.</summary>
    public const string DiagnosticsInput = nameof(DiagnosticsInput);
}
