namespace Procrastinate;

/// <summary>
/// A row of <c>procrastinate_jobs</c>: one deferred call of a task.
/// </summary>
public sealed record Job
{
    /// <summary>The job id, assigned by the store.</summary>
    public required long Id { get; init; }

    /// <summary>The queue the job waits in.</summary>
    public required string Queue { get; init; }

    /// <summary>The registered name of the task to run.</summary>
    public required string TaskName { get; init; }

    /// <summary>Higher runs first; may be negative.</summary>
    public int Priority { get; init; }

    /// <summary>No two jobs with the same lock run at once; they run in priority, then id order.</summary>
    public string? Lock { get; init; }

    /// <summary>At most one <see cref="JobStatus.Todo"/> job may hold a given queueing lock.</summary>
    public string? QueueingLock { get; init; }

    /// <summary>The task's arguments: a JSON object keyed by parameter name (Procrastinate's kwargs).</summary>
    public string Args { get; init; } = "{}";

    /// <summary>The job's status.</summary>
    public JobStatus Status { get; init; }

    /// <summary>The job does not start before this time.</summary>
    public DateTimeOffset? ScheduledAt { get; init; }

    /// <summary>How many times the job ran before (0 on its first run).</summary>
    public int Attempts { get; init; }

    /// <summary>Whether an abort was requested for this job.</summary>
    public bool AbortRequested { get; init; }

    /// <summary>The worker that runs or ran the job, while that worker is registered.</summary>
    public long? WorkerId { get; init; }

    /// <summary>
    /// The W3C <c>traceparent</c> stored when the job was deferred, if the store keeps trace contexts; the span of
    /// each run links to it.
    /// </summary>
    public string? TraceParent { get; init; }

    /// <summary>The W3C <c>tracestate</c> going with <see cref="TraceParent"/>.</summary>
    public string? TraceState { get; init; }

    /// <summary>A short description for logs: <c>task_name[id](args)</c>.</summary>
    public string CallString => $"{TaskName}[{Id}]({Args})";
}
