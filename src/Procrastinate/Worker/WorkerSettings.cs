namespace Procrastinate;

/// <summary>
/// <see cref="WorkerOptions"/> with every member resolved: per-run options over the app's worker defaults over
/// Procrastinate's defaults, then checked.
/// </summary>
internal sealed record WorkerSettings
{
    private static readonly WorkerOptions ProcrastinateDefaults = new()
    {
        Name = "worker",
        Concurrency = 1,
        Wait = true,
        FetchJobPollingInterval = TimeSpan.FromSeconds(5),
        AbortJobPollingInterval = TimeSpan.FromSeconds(5),
        ListenNotify = true,
        DeleteJobs = DeleteJobsCondition.Never,
        LogArgumentsMaxLength = 200,
        UpdateHeartbeatInterval = TimeSpan.FromSeconds(10),
        StalledWorkerTimeout = TimeSpan.FromSeconds(30),
        RecoverStalledJobs = true,
        InstallSignalHandlers = true,
        ShutdownAbortTimeout = TimeSpan.FromSeconds(5),
    };

    /// <summary>The most an immediate abort (<see cref="Worker.Abort"/>, a second signal) waits for aborted jobs.</summary>
    public static readonly TimeSpan ImmediateAbortTimeout = TimeSpan.FromSeconds(1);

    public required IReadOnlyList<string>? Queues { get; init; }

    public required string Name { get; init; }

    public required int Concurrency { get; init; }

    public required bool Wait { get; init; }

    public required TimeSpan FetchJobPollingInterval { get; init; }

    public required TimeSpan AbortJobPollingInterval { get; init; }

    public required TimeSpan? ShutdownGracefulTimeout { get; init; }

    public required TimeSpan ShutdownAbortTimeout { get; init; }

    public required bool ListenNotify { get; init; }

    public required DeleteJobsCondition DeleteJobs { get; init; }

    public required int LogArgumentsMaxLength { get; init; }

    public required IReadOnlyDictionary<string, object?>? AdditionalContext { get; init; }

    public required TimeSpan UpdateHeartbeatInterval { get; init; }

    public required TimeSpan StalledWorkerTimeout { get; init; }

    public required bool RecoverStalledJobs { get; init; }

    public required IReadOnlyList<JobMiddleware> Middleware { get; init; }

    public required bool InstallSignalHandlers { get; init; }

    /// <summary>
    /// How long without a recorded heartbeat before the worker fences itself (aborts its runs, fetches nothing until it
    /// enrolled again): halfway between <see cref="UpdateHeartbeatInterval"/> and <see cref="StalledWorkerTimeout"/>
    /// (20 s with the defaults). Past the interval, so that a live worker never fences between two heartbeats; short of
    /// the stalled timeout by as much again, the time its aborted runs have to end before other workers may take their
    /// jobs for stalled.
    /// </summary>
    public TimeSpan HeartbeatFenceTimeout => UpdateHeartbeatInterval + ((StalledWorkerTimeout - UpdateHeartbeatInterval) / 2);

    /// <summary>How often the stalled-job sweeper looks: half the stalled timeout, at most once a second.</summary>
    public TimeSpan StalledJobsSweepInterval =>
        TimeSpan.FromTicks(Math.Max(StalledWorkerTimeout.Ticks / 2, TimeSpan.TicksPerSecond));

    /// <summary>Resolves <paramref name="options"/> over <paramref name="appDefaults"/> over Procrastinate's defaults.</summary>
    /// <exception cref="ArgumentException">A value is out of range.</exception>
    public static WorkerSettings Resolve(WorkerOptions? options, WorkerOptions? appDefaults)
    {
        var merged = (options ?? new WorkerOptions()).MergeOver(appDefaults).MergeOver(ProcrastinateDefaults);
        var settings = new WorkerSettings
        {
            Queues = merged.Queues is { } queues ? [.. queues] : null,
            Name = merged.Name!,
            Concurrency = merged.Concurrency!.Value,
            Wait = merged.Wait!.Value,
            FetchJobPollingInterval = merged.FetchJobPollingInterval!.Value,
            AbortJobPollingInterval = merged.AbortJobPollingInterval!.Value,
            ShutdownGracefulTimeout = merged.ShutdownGracefulTimeout,
            ShutdownAbortTimeout = merged.ShutdownAbortTimeout!.Value,
            ListenNotify = merged.ListenNotify!.Value,
            DeleteJobs = merged.DeleteJobs!.Value,
            LogArgumentsMaxLength = merged.LogArgumentsMaxLength!.Value,
            AdditionalContext = merged.AdditionalContext,
            UpdateHeartbeatInterval = merged.UpdateHeartbeatInterval!.Value,
            StalledWorkerTimeout = merged.StalledWorkerTimeout!.Value,
            RecoverStalledJobs = merged.RecoverStalledJobs!.Value,
            Middleware = merged.Middleware ?? [],
            InstallSignalHandlers = merged.InstallSignalHandlers!.Value,
        };
        settings.Validate();
        return settings;
    }

    private void Validate()
    {
        if (Concurrency < 1)
        {
            throw new ArgumentException($"Concurrency must be at least 1 (got {Concurrency}).", nameof(WorkerOptions.Concurrency));
        }

        RequirePositive(FetchJobPollingInterval, nameof(WorkerOptions.FetchJobPollingInterval));
        RequirePositive(AbortJobPollingInterval, nameof(WorkerOptions.AbortJobPollingInterval));
        RequirePositive(UpdateHeartbeatInterval, nameof(WorkerOptions.UpdateHeartbeatInterval));
        RequirePositive(StalledWorkerTimeout, nameof(WorkerOptions.StalledWorkerTimeout));
        if (ShutdownGracefulTimeout is { } graceful && graceful < TimeSpan.Zero)
        {
            throw new ArgumentException("ShutdownGracefulTimeout cannot be negative.", nameof(WorkerOptions.ShutdownGracefulTimeout));
        }

        if (ShutdownAbortTimeout < TimeSpan.Zero)
        {
            throw new ArgumentException("ShutdownAbortTimeout cannot be negative.", nameof(WorkerOptions.ShutdownAbortTimeout));
        }

        if (StalledWorkerTimeout <= UpdateHeartbeatInterval)
        {
            // A live worker would look stalled between two heartbeats and its jobs would run twice.
            throw new ArgumentException(
                $"StalledWorkerTimeout ({StalledWorkerTimeout}) must be longer than UpdateHeartbeatInterval ({UpdateHeartbeatInterval}).",
                nameof(WorkerOptions.StalledWorkerTimeout));
        }

        if (LogArgumentsMaxLength < 0)
        {
            throw new ArgumentException("LogArgumentsMaxLength cannot be negative.", nameof(WorkerOptions.LogArgumentsMaxLength));
        }

        if (Queues is { Count: 0 })
        {
            throw new ArgumentException("Queues cannot be empty; use null for all queues.", nameof(WorkerOptions.Queues));
        }

        foreach (var queue in Queues ?? [])
        {
            // A queue no job can have would leave the worker idle forever.
            Storage.JobRules.ValidateQueueName(queue, nameof(WorkerOptions.Queues));
        }
    }

    private static void RequirePositive(TimeSpan value, string name)
    {
        if (value <= TimeSpan.Zero)
        {
            throw new ArgumentException($"{name} must be positive (got {value}).", name);
        }
    }
}
