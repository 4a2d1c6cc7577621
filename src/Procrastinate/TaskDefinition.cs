namespace Procrastinate;

/// <summary>
/// Everything the runtime knows about one task: its name and defaults, its retry strategy, its periodic schedules,
/// and the generated code that validates arguments and runs it.
/// </summary>
public sealed class TaskDefinition
{
    /// <summary>The name stored in <c>procrastinate_jobs.task_name</c>.</summary>
    public required string Name { get; init; }

    /// <summary>Other names that resolve to this task.</summary>
    public IReadOnlyList<string> Aliases { get; init; } = [];

    /// <summary>The default queue.</summary>
    public string Queue { get; init; } = DeferOptions.DefaultQueue;

    /// <summary>The default priority.</summary>
    public int Priority { get; init; }

    /// <summary>The default lock.</summary>
    public string? Lock { get; init; }

    /// <summary>The default queueing lock.</summary>
    public string? QueueingLock { get; init; }

    /// <summary>The retry strategy, or <see langword="null"/> for no retry.</summary>
    public IRetryStrategy? RetryStrategy { get; init; }

    /// <summary>The cron schedules of a periodic task.</summary>
    public IReadOnlyList<PeriodicSchedule> Periodic { get; init; } = [];

    /// <summary>Middleware that wraps only this task, outermost first.</summary>
    public IReadOnlyList<JobMiddleware> Middleware { get; init; } = [];

    /// <summary>Runs the task for a job.</summary>
    public required TaskInvoker Invoke { get; init; }

    /// <summary>
    /// Checks that a JSON text holds arguments this task accepts, throwing <see cref="TaskArgumentsException"/>
    /// otherwise. The command line calls it before deferring.
    /// </summary>
    public required Action<string> ValidateArgs { get; init; }
}
