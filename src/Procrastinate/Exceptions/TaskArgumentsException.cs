namespace Procrastinate;

/// <summary>
/// A job's JSON arguments do not fit its task: a missing required key, a value of the wrong JSON type, an unknown
/// key, or JSON that is not an object. The job fails; the worker goes on.
/// </summary>
public sealed class TaskArgumentsException : ProcrastinateException
{
    /// <summary>Creates the exception.</summary>
    public TaskArgumentsException(string taskName, string? key, string problem, Exception? innerException = null)
        : base(key is null
            ? $"Arguments of task '{taskName}' are invalid: {problem}"
            : $"Argument '{key}' of task '{taskName}' is invalid: {problem}", innerException)
    {
        TaskName = taskName;
        Key = key;
    }

    /// <summary>The task whose arguments were read.</summary>
    public string TaskName { get; }

    /// <summary>The JSON key at fault, when there is one.</summary>
    public string? Key { get; }
}
