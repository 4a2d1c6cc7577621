namespace Procrastinate.Generators.Models;

/// <summary>How the invoker calls the task method and turns its outcome into the job's result.</summary>
internal enum ReturnKind
{
    /// <summary><see langword="void"/>: call, result <see langword="null"/>.</summary>
    Void,

    /// <summary>A synchronous value: call, the value is the result.</summary>
    Value,

    /// <summary><c>Task</c> or <c>ValueTask</c>: await, result <see langword="null"/>.</summary>
    Awaitable,

    /// <summary><c>Task&lt;T&gt;</c> or <c>ValueTask&lt;T&gt;</c>: await, the value is the result.</summary>
    AwaitableValue,
}
