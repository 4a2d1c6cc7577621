namespace Procrastinate;

/// <summary>
/// Thrown by a task (typically a synchronous one polling <see cref="JobContext.ShouldAbort"/>) to end its job as
/// <see cref="JobStatus.Aborted"/>.
/// </summary>
public sealed class JobAbortedException : ProcrastinateException
{
    /// <summary>Creates the exception.</summary>
    public JobAbortedException(AbortReason? reason = null, string? message = null)
        : base(message ?? "The job was aborted.")
    {
        Reason = reason;
    }

    /// <summary>Why the job stopped; <see langword="null"/> counts as a user request (never retried).</summary>
    public AbortReason? Reason { get; }
}
