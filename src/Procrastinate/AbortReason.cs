namespace Procrastinate;

/// <summary>Why a running job was asked to stop.</summary>
public enum AbortReason
{
    /// <summary>A user cancelled the job with abort; the job ends <see cref="JobStatus.Aborted"/> and is never retried.</summary>
    UserRequest,

    /// <summary>The worker shut down past its graceful timeout; the job is retried when its strategy allows.</summary>
    Shutdown,

    /// <summary>
    /// The worker could not record its heartbeat for so long (halfway from its heartbeat interval to
    /// <see cref="WorkerOptions.StalledWorkerTimeout"/>) that other workers may soon take its jobs for stalled: it stops
    /// its runs first, so that no job ever runs twice at once. The run's outcome is not recorded; the job is recovered
    /// as stalled, the lost run counting as an attempt against its retry strategy.
    /// </summary>
    HeartbeatLost,
}
