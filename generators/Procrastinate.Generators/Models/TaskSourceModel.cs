using Procrastinate.Generators.Helpers;

namespace Procrastinate.Generators.Models;

/// <summary>One task's generated file, with everything decided across tasks already settled: one output each.</summary>
/// <param name="Task">The task, without source locations.</param>
/// <param name="EmitHandle">Whether the handle is written (no error of its own or across tasks).</param>
/// <param name="HintName">The file's hint name, unique in the assembly.</param>
/// <param name="Contexts">The user JSON contexts that serve the task's argument types.</param>
internal sealed record TaskSourceModel(
    TaskModel Task,
    bool EmitHandle,
    string HintName,
    EquatableArray<JsonContextUse> Contexts);
