using System.ComponentModel;

namespace Procrastinate;

/// <summary>
/// A task together with its typed argument reader and writer. Generated per task (as <c>WriteAlphabet.Handle</c>),
/// so test helpers can hand back deferred jobs' arguments as typed values.
/// </summary>
/// <typeparam name="TArgs">The task's generated arguments type.</typeparam>
public sealed class TaskHandle<TArgs>
{
    private readonly Func<string, TArgs> _readArgs;
    private readonly Func<TArgs, string> _writeArgs;

    /// <summary>Creates a handle; generated code does this.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public TaskHandle(TaskDefinition definition, Func<string, TArgs> readArgs, Func<TArgs, string> writeArgs)
    {
        Definition = definition ?? throw new ArgumentNullException(nameof(definition));
        _readArgs = readArgs ?? throw new ArgumentNullException(nameof(readArgs));
        _writeArgs = writeArgs ?? throw new ArgumentNullException(nameof(writeArgs));
    }

    /// <summary>The task.</summary>
    public TaskDefinition Definition { get; }

    /// <summary>Reads a job's JSON arguments.</summary>
    /// <exception cref="TaskArgumentsException">The JSON does not fit the task.</exception>
    public TArgs ReadArgs(string json) => _readArgs(json);

    /// <summary>Writes arguments as the JSON object stored with a job.</summary>
    public string WriteArgs(TArgs args) => _writeArgs(args);
}
