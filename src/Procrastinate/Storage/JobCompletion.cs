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
}
