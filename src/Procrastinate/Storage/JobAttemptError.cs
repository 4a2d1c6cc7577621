namespace Procrastinate.Storage;

/// <summary>The error of one failed attempt of a job, as <see cref="IJobStore.ListJobErrorsAsync"/> returns it.</summary>
/// <param name="Attempt">
/// The attempt, counted from 1: the job's <see cref="Job.Attempts"/> once the failure was recorded (Procrastinate adds
/// one per run that ends, except for a running job whose abort was requested and that a retry fails).
/// </param>
/// <param name="At">When the failure was recorded (the store's clock).</param>
/// <param name="Error">The exception's type, message and details.</param>
public sealed record JobAttemptError(int Attempt, DateTimeOffset At, JobError Error);
