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

    /// <summary>All tasks, contexts and the assembly name together.</summary>
    public const string Combined = nameof(Combined);
}
