namespace Procrastinate;

/// <summary>Why a running job was asked to stop.</summary>
public enum AbortReason
{
    /// <summary>A user cancelled the job with abort; the job ends <see cref="JobStatus.Aborted"/> and is never retried.</summary>
    UserRequest,

    /// <summary>The worker shut down past its graceful timeout; the job is retried when its strategy allows.</summary>
    Shutdown,
}
