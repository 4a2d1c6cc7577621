namespace Procrastinate;

/// <summary>
/// What a running task may know about its job and its worker. A task receives it by declaring a parameter of
/// this type; it is never serialized.
/// </summary>
public sealed class JobContext
{
    private readonly Func<AbortReason?> _abortReason;

    /// <summary>Creates a context; workers and test helpers do this, tasks receive it.</summary>
    public JobContext(
        ProcrastinateApp app,
        Job job,
        TaskDefinition? task,
        string? workerName,
        IReadOnlyList<string>? workerQueues,
        DateTimeOffset startTimestamp,
        IReadOnlyDictionary<string, object?>? additionalContext,
        Func<AbortReason?>? abortReason,
        CancellationToken cancellationToken)
    {
        App = app ?? throw new ArgumentNullException(nameof(app));
        Job = job ?? throw new ArgumentNullException(nameof(job));
        Task = task;
        WorkerName = workerName;
        WorkerQueues = workerQueues;
        StartTimestamp = startTimestamp;
        AdditionalContext = additionalContext ?? EmptyContext;
        _abortReason = abortReason ?? (static () => null);
        CancellationToken = cancellationToken;
    }

    private static readonly IReadOnlyDictionary<string, object?> EmptyContext = new Dictionary<string, object?>();

    /// <summary>The app the worker runs for.</summary>
    public ProcrastinateApp App { get; }

    /// <summary>The job being run.</summary>
    public Job Job { get; }

    /// <summary>The task definition, or <see langword="null"/> when no task of that name is registered.</summary>
    public TaskDefinition? Task { get; }

    /// <summary>
    /// The worker running the job, e.g. for a middleware to stop it; <see langword="null"/> when the job runs outside a
    /// worker (a test helper, a direct call).
    /// </summary>
    public Worker? Worker { get; internal init; }

    /// <summary>The worker's name.</summary>
    public string? WorkerName { get; }

    /// <summary>The queues the worker listens to; <see langword="null"/> means all queues.</summary>
    public IReadOnlyList<string>? WorkerQueues { get; }

    /// <summary>When the job started on this worker.</summary>
    public DateTimeOffset StartTimestamp { get; }

    /// <summary>Values the worker was configured to hand to every job.</summary>
    public IReadOnlyDictionary<string, object?> AdditionalContext { get; }

    /// <summary>Fires when the job is aborted (user request, or shutdown past the graceful timeout).</summary>
    public CancellationToken CancellationToken { get; }

    /// <summary>Why the job was asked to stop, or <see langword="null"/> while it may go on.</summary>
    public AbortReason? AbortReason => _abortReason();

    /// <summary>Whether the job was asked to stop. Synchronous tasks poll this.</summary>
    public bool ShouldAbort => AbortReason is not null;

    /// <summary>"queues a, b" or "all queues", for log lines.</summary>
    public string QueuesDisplay => WorkerQueues is null ? "all queues" : "queues " + string.Join(", ", WorkerQueues);
}
