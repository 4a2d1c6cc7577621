namespace Procrastinate.Storage;

/// <summary>What <see cref="IJobStore.RetryJobAsync"/> changes.</summary>
/// <param name="JobId">A <see cref="JobStatus.Doing"/> or <see cref="JobStatus.Failed"/> job.</param>
/// <param name="RetryAt">When it may run again.</param>
/// <param name="Priority">A new priority, or <see langword="null"/> to keep it.</param>
/// <param name="Queue">A new queue, or <see langword="null"/> to keep it.</param>
/// <param name="Lock">A new lock, or <see langword="null"/> to keep it.</param>
public sealed record RetryJobParams(
    long JobId,
    DateTimeOffset RetryAt,
    int? Priority = null,
    string? Queue = null,
    string? Lock = null)
{
    /// <summary>
    /// Why the run that is retried failed, kept by a store that records errors (see
    /// <see cref="IJobStore.ListJobErrorsAsync"/>); <see langword="null"/> for a retry that follows no run (a failed job
    /// retried by hand).
    /// </summary>
    public JobError? Error { get; init; }

    /// <summary>
    /// The worker whose run is retried, for a worker recording its own outcome: the retry then applies only while the
    /// job is still <see cref="JobStatus.Doing"/> on that worker (or on no worker: its worker row was removed and nobody
    /// took the job since); otherwise the store drops it with a warning and throws nothing (see
    /// <see cref="JobCompletion.WorkerId"/>). <see langword="null"/>: no such check.
    /// </summary>
    public long? WorkerId { get; init; }
}
