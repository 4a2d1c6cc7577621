namespace Procrastinate;

/// <summary>
/// How a worker runs. Defaults are Procrastinate's. Unset (<see langword="null"/>) members fall back to the app's
/// <see cref="ProcrastinateAppOptions.WorkerDefaults"/>, then to these defaults.
/// </summary>
public sealed record WorkerOptions
{
    /// <summary>The queues to work; <see langword="null"/> means all queues.</summary>
    public IReadOnlyList<string>? Queues { get; init; }

    /// <summary>The worker's name in logs and <see cref="JobContext.WorkerName"/>; <c>"worker"</c> by default.</summary>
    public string? Name { get; init; }

    /// <summary>How many jobs run at once; 1 by default.</summary>
    public int? Concurrency { get; init; }

    /// <summary><see langword="false"/> stops the worker once no job is left; <see langword="true"/> by default.</summary>
    public bool? Wait { get; init; }

    /// <summary>How often to look for jobs when no notification arrives; 5 s by default.</summary>
    public TimeSpan? FetchJobPollingInterval { get; init; }

    /// <summary>How often to look for abort requests while jobs run; 5 s by default.</summary>
    public TimeSpan? AbortJobPollingInterval { get; init; }

    /// <summary>How long shutdown waits for running jobs before aborting them; forever by default.</summary>
    public TimeSpan? ShutdownGracefulTimeout { get; init; }

    /// <summary>
    /// How long shutdown still waits for jobs it aborted at <see cref="ShutdownGracefulTimeout"/> before it gives up on
    /// those that ignore the abort: their jobs are recorded as a retry or a failure per their retry strategy, and the
    /// worker stops (see <see cref="Worker.AbandonedJobCount"/>); 5 s by default. After <see cref="Worker.Abort"/> or a
    /// second signal the worker waits 1 s at most.
    /// </summary>
    public TimeSpan? ShutdownAbortTimeout { get; init; }

    /// <summary>Whether to wake up on database notifications; <see langword="true"/> by default.</summary>
    public bool? ListenNotify { get; init; }

    /// <summary>Which finished jobs to delete; <see cref="DeleteJobsCondition.Never"/> by default.</summary>
    public DeleteJobsCondition? DeleteJobs { get; init; }

    /// <summary>
    /// How many characters of a job's JSON arguments its start and end log lines show (the rest is cut, with the full
    /// length noted); 200 by default, 0 shows none. Arguments can be large: they are never logged whole.
    /// </summary>
    public int? LogArgumentsMaxLength { get; init; }

    /// <summary>Values handed to every job's <see cref="JobContext.AdditionalContext"/>.</summary>
    public IReadOnlyDictionary<string, object?>? AdditionalContext { get; init; }

    /// <summary>How often the worker records its heartbeat; 10 s by default.</summary>
    public TimeSpan? UpdateHeartbeatInterval { get; init; }

    /// <summary>A worker silent for this long is considered gone and its running jobs stalled; 30 s by default.</summary>
    public TimeSpan? StalledWorkerTimeout { get; init; }

    /// <summary>Whether to put stalled jobs back to todo automatically; <see langword="true"/> by default.</summary>
    public bool? RecoverStalledJobs { get; init; }

    /// <summary>Middleware wrapping every job, outermost first; they wrap each task's own middleware.</summary>
    public IReadOnlyList<JobMiddleware>? Middleware { get; init; }

    /// <summary>Whether SIGINT/SIGTERM stop the worker gracefully (a second one aborts); <see langword="true"/> by default.</summary>
    public bool? InstallSignalHandlers { get; init; }

    /// <summary>Returns these options with every unset member taken from <paramref name="defaults"/>.</summary>
    public WorkerOptions MergeOver(WorkerOptions? defaults)
    {
        if (defaults is null)
        {
            return this;
        }

        return new WorkerOptions
        {
            Queues = Queues ?? defaults.Queues,
            Name = Name ?? defaults.Name,
            Concurrency = Concurrency ?? defaults.Concurrency,
            Wait = Wait ?? defaults.Wait,
            FetchJobPollingInterval = FetchJobPollingInterval ?? defaults.FetchJobPollingInterval,
            AbortJobPollingInterval = AbortJobPollingInterval ?? defaults.AbortJobPollingInterval,
            ShutdownGracefulTimeout = ShutdownGracefulTimeout ?? defaults.ShutdownGracefulTimeout,
            ShutdownAbortTimeout = ShutdownAbortTimeout ?? defaults.ShutdownAbortTimeout,
            ListenNotify = ListenNotify ?? defaults.ListenNotify,
            DeleteJobs = DeleteJobs ?? defaults.DeleteJobs,
            LogArgumentsMaxLength = LogArgumentsMaxLength ?? defaults.LogArgumentsMaxLength,
            AdditionalContext = AdditionalContext ?? defaults.AdditionalContext,
            UpdateHeartbeatInterval = UpdateHeartbeatInterval ?? defaults.UpdateHeartbeatInterval,
            StalledWorkerTimeout = StalledWorkerTimeout ?? defaults.StalledWorkerTimeout,
            RecoverStalledJobs = RecoverStalledJobs ?? defaults.RecoverStalledJobs,
            Middleware = Middleware ?? defaults.Middleware,
            InstallSignalHandlers = InstallSignalHandlers ?? defaults.InstallSignalHandlers,
        };
    }
}
