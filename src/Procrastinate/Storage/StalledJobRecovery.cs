namespace Procrastinate.Storage;

/// <summary>A stalled job that <see cref="IJobStore.RetryStalledJobsAsync"/> handled.</summary>
/// <param name="Job">
/// The job as the sweep found it, still <see cref="JobStatus.Doing"/>: <see cref="Job.Attempts"/> counts the runs before
/// the lost one, and <see cref="Job.WorkerId"/> names the lost worker (<see langword="null"/> when it had unregistered).
/// </param>
/// <param name="Status">
/// What it became: <see cref="JobStatus.Todo"/> (it runs again) or <see cref="JobStatus.Failed"/> (its retry decision
/// was none, its abort was requested, or a waiting job holds its queueing lock).
/// </param>
public sealed record StalledJobRecovery(Job Job, JobStatus Status);
