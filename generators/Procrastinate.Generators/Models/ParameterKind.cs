namespace Procrastinate.Generators.Models;

/// <summary>What a task method parameter receives.</summary>
internal enum ParameterKind
{
    /// <summary>A task argument, one key of the job's JSON.</summary>
    Argument,

    /// <summary>The job's <c>JobContext</c>.</summary>
    JobContext,

    /// <summary><c>JobContext.CancellationToken</c>.</summary>
    CancellationToken,
}
