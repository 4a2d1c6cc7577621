namespace Procrastinate;

/// <summary>
/// What a task's <see cref="IRetryStrategy"/> is asked about when a run of its job lost its worker: the process running
/// it died (killed, out of memory, <see cref="Environment.FailFast(string)"/>, a stack overflow) or stopped sending
/// heartbeats, so the run ended without an outcome and stalled-job recovery found the job still running. The lost run
/// counts as an attempt: a job whose runs keep killing their worker fails once its strategy allows no more retries.
/// </summary>
public sealed class WorkerLostException : ProcrastinateException
{
    /// <summary>Creates the exception for a run of job <paramref name="jobId"/>.</summary>
    /// <param name="jobId">The job whose run lost its worker.</param>
    /// <param name="workerId">The worker that ran it, or <see langword="null"/> when it had already unregistered.</param>
    public WorkerLostException(long jobId, long? workerId)
        : base(workerId is { } id
            ? $"Job {jobId} lost its worker {id}: the run ended without an outcome and the worker sends no heartbeat."
            : $"Job {jobId} lost its worker: the run ended without an outcome and the worker is gone.")
    {
        JobId = jobId;
        WorkerId = workerId;
    }

    /// <summary>The job whose run lost its worker.</summary>
    public long JobId { get; }

    /// <summary>The worker that ran it, or <see langword="null"/> when it had already unregistered.</summary>
    public long? WorkerId { get; }
}
