namespace Procrastinate.Hosting;

/// <summary>
/// The worker options that configuration can set, bound from the <c>"Procrastinate"</c> section (see
/// <see cref="ProcrastinateHostingOptions.ConfigurationSection"/>) by the source-generated binder. Durations are
/// <see cref="TimeSpan"/> strings (<c>"00:00:05"</c>). Unset keys keep the values set in code.
/// </summary>
/// <example>
/// <code>
/// "Procrastinate": { "Queues": [ "emails" ], "Concurrency": 4, "ShutdownGracefulTimeout": "00:00:20" }
/// </code>
/// </example>
public sealed class ProcrastinateWorkerConfiguration
{
    /// <summary>See <see cref="WorkerOptions.Name"/>.</summary>
    public string? Name { get; set; }

    /// <summary>See <see cref="WorkerOptions.Queues"/>; empty means all queues.</summary>
    public IList<string> Queues { get; } = new List<string>();

    /// <summary>See <see cref="WorkerOptions.Concurrency"/>.</summary>
    public int? Concurrency { get; set; }

    /// <summary>See <see cref="WorkerOptions.Wait"/>.</summary>
    public bool? Wait { get; set; }

    /// <summary>See <see cref="WorkerOptions.FetchJobPollingInterval"/>.</summary>
    public TimeSpan? FetchJobPollingInterval { get; set; }

    /// <summary>See <see cref="WorkerOptions.AbortJobPollingInterval"/>.</summary>
    public TimeSpan? AbortJobPollingInterval { get; set; }

    /// <summary>See <see cref="WorkerOptions.ShutdownGracefulTimeout"/>.</summary>
    public TimeSpan? ShutdownGracefulTimeout { get; set; }

    /// <summary>See <see cref="WorkerOptions.ShutdownAbortTimeout"/>.</summary>
    public TimeSpan? ShutdownAbortTimeout { get; set; }

    /// <summary>See <see cref="WorkerOptions.ListenNotify"/>.</summary>
    public bool? ListenNotify { get; set; }

    /// <summary>See <see cref="WorkerOptions.DeleteJobs"/>: <c>Never</c>, <c>Successful</c> or <c>Always</c>.</summary>
    public DeleteJobsCondition? DeleteJobs { get; set; }

    /// <summary>See <see cref="WorkerOptions.UpdateHeartbeatInterval"/>.</summary>
    public TimeSpan? UpdateHeartbeatInterval { get; set; }

    /// <summary>See <see cref="WorkerOptions.StalledWorkerTimeout"/>.</summary>
    public TimeSpan? StalledWorkerTimeout { get; set; }

    /// <summary>See <see cref="WorkerOptions.RecoverStalledJobs"/>.</summary>
    public bool? RecoverStalledJobs { get; set; }

    /// <summary>These values over <paramref name="code"/>: what is set here wins, the rest comes from code.</summary>
    public WorkerOptions ApplyOver(WorkerOptions? code) => new WorkerOptions
    {
        Name = Name,
        Queues = Queues.Count > 0 ? [.. Queues] : null,
        Concurrency = Concurrency,
        Wait = Wait,
        FetchJobPollingInterval = FetchJobPollingInterval,
        AbortJobPollingInterval = AbortJobPollingInterval,
        ShutdownGracefulTimeout = ShutdownGracefulTimeout,
        ShutdownAbortTimeout = ShutdownAbortTimeout,
        ListenNotify = ListenNotify,
        DeleteJobs = DeleteJobs,
        UpdateHeartbeatInterval = UpdateHeartbeatInterval,
        StalledWorkerTimeout = StalledWorkerTimeout,
        RecoverStalledJobs = RecoverStalledJobs,
    }.MergeOver(code);
}
