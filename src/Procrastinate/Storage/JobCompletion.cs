namespace Procrastinate.Storage;

/// <summary>The end of a run, as recorded by <see cref="IJobStore.FinishJobsAsync"/>.</summary>
/// <param name="JobId">The job.</param>
/// <param name="Status"><see cref="JobStatus.Succeeded"/>, <see cref="JobStatus.Failed"/> or <see cref="JobStatus.Aborted"/>.</param>
/// <param name="Delete">Delete the row (and its events) instead of keeping it.</param>
public readonly record struct JobCompletion(long JobId, JobStatus Status, bool Delete)
{
    /// <summary>
    /// Why the run failed, kept by a store that records errors (see <see cref="IJobStore.ListJobErrorsAsync"/>);
    /// ignored for a deleted job.
    /// </summary>
    public JobError? Error { get; init; }

    /// <summary>
    /// The worker whose run this is, for a worker recording its own outcome: the completion then applies only while
    /// the job is still <see cref="JobStatus.Doing"/> on that worker (or on no worker: its worker row was removed and
    /// nobody took the job since). Otherwise stalled-job recovery gave the job back and it may already run elsewhere,
    /// so the store drops this completion with a warning, applies the others of the batch, and throws nothing.
    /// <see langword="null"/> (by hand, the command line, the dashboard): no such check.
    /// </summary>
    public long? WorkerId { get; init; }
}
