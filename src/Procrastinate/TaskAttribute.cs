namespace Procrastinate;

/// <summary>
/// Declares a task on a <c>partial</c> method of a <c>partial</c> type. The source generator emits a strongly typed
/// handle named after the method (<c>WriteAlphabet.DeferAsync("a")</c>), the argument serializer and the registry
/// entry. Every parameter except <see cref="JobContext"/> and <see cref="CancellationToken"/> is a task argument.
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false, Inherited = false)]
public sealed class TaskAttribute : Attribute
{
    /// <summary>Value of <see cref="Retry"/> meaning "retry forever".</summary>
    public const int Forever = -1;

    /// <summary>The registered name; defaults to <c>Namespace.Type.Method</c>. Python interop needs Python's name.</summary>
    public string? Name { get; set; }

    /// <summary>Other names that resolve to this task (for renames).</summary>
    public string[]? Aliases { get; set; }

    /// <summary>The default queue; <c>"default"</c> when unset. At most 40 UTF-8 bytes.</summary>
    public string? Queue { get; set; }

    /// <summary>The default priority (higher runs first).</summary>
    public int Priority { get; set; }

    /// <summary>The default lock: no two jobs with the same lock run at once.</summary>
    public string? Lock { get; set; }

    /// <summary>The default queueing lock: at most one waiting job per value.</summary>
    public string? QueueingLock { get; set; }

    /// <summary>
    /// Number of retries after a failure (<see cref="Forever"/>: unlimited). Unset, a task retries only when another
    /// retry setting is given, and then without limit, as Procrastinate's <c>RetryStrategy</c> without
    /// <c>max_attempts</c>: <c>[Task(RetryOn = [typeof(TimeoutException)])]</c> retries every timeout.
    /// </summary>
    public int Retry { get; set; }

    /// <summary>Constant part of the retry delay, in seconds.</summary>
    public double RetryWaitSeconds { get; set; }

    /// <summary>Part of the retry delay multiplied by the number of previous attempts, in seconds.</summary>
    public double RetryLinearWaitSeconds { get; set; }

    /// <summary>Base of the exponential part of the retry delay, in seconds.</summary>
    public double RetryExponentialWaitSeconds { get; set; }

    /// <summary>
    /// When set, only exceptions of these types (or derived ones) are retried; without <see cref="Retry"/>, without
    /// limit.
    /// </summary>
    public Type[]? RetryOn { get; set; }

    /// <summary>A custom <see cref="IRetryStrategy"/> type with a public parameterless constructor.</summary>
    public Type? RetryStrategy { get; set; }

    /// <summary>
    /// A custom strategy with its own settings: the name (use <c>nameof</c>) of a static parameterless method, or a
    /// static property or field, of the task's type, not private, that returns an <see cref="IRetryStrategy"/>.
    /// Generated code reads it once, when the task is registered, and shares it between jobs.
    /// </summary>
    public string? RetryStrategyFactory { get; set; }

    /// <summary>
    /// Middleware that wraps only this task's jobs, outermost first: the names (use <c>nameof</c>) of static members
    /// of the task's type, not private, each either a method with the signature of <see cref="JobMiddleware"/>
    /// (<c>static ValueTask&lt;object?&gt; M(JobContext context, Func&lt;ValueTask&lt;object?&gt;&gt; next)</c>) or a
    /// property or field of type <see cref="JobMiddleware"/>. The generator wires them into the task's
    /// <see cref="TaskDefinition.Middleware"/> without reflection; the worker's own middleware wraps them.
    /// </summary>
    public string[]? Middleware { get; set; }
}
