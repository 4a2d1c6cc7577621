namespace Procrastinate;

/// <summary>No task is registered under a name (or alias).</summary>
public sealed class TaskNotFoundException : ProcrastinateException
{
    /// <summary>Creates the exception for <paramref name="taskName"/>.</summary>
    public TaskNotFoundException(string taskName, IReadOnlyList<string>? suggestions = null)
        : base(BuildMessage(taskName, suggestions))
    {
        TaskName = taskName;
        Suggestions = suggestions ?? [];
    }

    /// <summary>The name that was looked up.</summary>
    public string TaskName { get; }

    /// <summary>Registered names close to <see cref="TaskName"/>.</summary>
    public IReadOnlyList<string> Suggestions { get; }

    private static string BuildMessage(string taskName, IReadOnlyList<string>? suggestions) =>
        suggestions is { Count: > 0 }
            ? $"Task '{taskName}' is not registered. Did you mean: {string.Join(", ", suggestions)}?"
            : $"Task '{taskName}' is not registered.";
}
