using Procrastinate.Generators.Helpers;

namespace Procrastinate.Generators.Models;

/// <summary>Everything the emitter needs about one <c>[Task]</c> method: strings, numbers and equatable arrays only.</summary>
internal sealed record TaskModel
{
    /// <summary>The namespace, or <see langword="null"/> for the global namespace.</summary>
    public string? Namespace { get; init; }

    /// <summary>The types around the method, outermost first.</summary>
    public EquatableArray<ContainingTypeModel> ContainingTypes { get; init; }

    /// <summary>The declaring type, fully qualified.</summary>
    public string DeclaringTypeName { get; init; } = "";

    /// <summary>The method name (the handle's name).</summary>
    public string MethodName { get; init; } = "";

    /// <summary>The method's declared modifiers for the defining declaration (e.g. <c>public static</c>).</summary>
    public string MethodModifiers { get; init; } = "";

    /// <summary>Whether the generator writes the method's defining declaration (the user wrote only the body).</summary>
    public bool EmitDefinition { get; init; }

    /// <summary>Whether the handle can be emitted (no error found).</summary>
    public bool EmitHandle { get; init; }

    /// <summary>The return type, fully qualified.</summary>
    public string ReturnTypeName { get; init; } = "";

    /// <summary>How the invoker handles the result.</summary>
    public ReturnKind ReturnKind { get; init; }

    /// <summary>The method's parameters, in order.</summary>
    public EquatableArray<ParameterModel> Parameters { get; init; }

    /// <summary><c>public</c> or <c>internal</c>: the handle's accessibility.</summary>
    public string HandleAccessibility { get; init; } = "";

    /// <summary>The registered task name.</summary>
    public string TaskName { get; init; } = "";

    /// <summary>The aliases.</summary>
    public EquatableArray<string> Aliases { get; init; }

    /// <summary>The default queue, or <see langword="null"/>.</summary>
    public string? Queue { get; init; }

    /// <summary>The default priority.</summary>
    public int Priority { get; init; }

    /// <summary>The default lock.</summary>
    public string? Lock { get; init; }

    /// <summary>The default queueing lock.</summary>
    public string? QueueingLock { get; init; }

    /// <summary>The retry strategy, or <see langword="null"/> for none.</summary>
    public RetryModel? Retry { get; init; }

    /// <summary>The expressions of the task's own middleware (method groups, properties or fields), outermost first.</summary>
    public EquatableArray<string> Middleware { get; init; }

    /// <summary>The periodic schedules.</summary>
    public EquatableArray<PeriodicModel> Periodic { get; init; }

    /// <summary>The method name's location, for diagnostics found across tasks.</summary>
    public LocationInfo? Location { get; init; }

    /// <summary>Diagnostics found while parsing this task.</summary>
    public EquatableArray<DiagnosticInfo> Diagnostics { get; init; }

    /// <summary>The method as users know it: <c>Namespace.Type.Method</c>.</summary>
    public string DisplayName => DeclaringTypeName.Replace("global::", "") + "." + MethodName;

    /// <summary>The generated handle type, fully qualified (a static class named after the method, in its namespace).</summary>
    public string HandleTypeName => "global::" + (Namespace is null ? "" : Namespace + ".") + MethodName;

    /// <summary>The model with no source location and no diagnostic: equal as long as the generated code is.</summary>
    public TaskModel WithoutLocations() => this with
    {
        Location = null,
        Diagnostics = EquatableArray<DiagnosticInfo>.Empty,
        Parameters = System.Linq.Enumerable.ToArray(System.Linq.Enumerable.Select(Parameters, static p => p with { Location = null })).ToEquatableArray(),
    };
}
