namespace Procrastinate.Testing.InMemory;

/// <summary>A job together with its arguments read by the task's typed reader.</summary>
/// <typeparam name="TArgs">The task's generated arguments type.</typeparam>
/// <param name="Job">The job.</param>
/// <param name="Args">Its arguments.</param>
public sealed record TypedJob<TArgs>(Job Job, TArgs Args);
