namespace Procrastinate.Storage;

/// <summary>What a store tells a listening worker.</summary>
public enum JobNotificationKind
{
    /// <summary>A job was inserted (<c>job_inserted</c>).</summary>
    JobInserted,

    /// <summary>An abort was requested for a running job (<c>abort_job_requested</c>).</summary>
    AbortRequested,

    /// <summary>
    /// The store listens again after losing its connection: notifications sent meanwhile were lost, so the worker
    /// looks for new jobs and aborts at once instead of waiting for its polls. <see cref="JobNotification.JobId"/> is 0.
    /// </summary>
    ListeningResumed,
}

/// <summary>One notification.</summary>
/// <param name="Kind">What happened.</param>
/// <param name="JobId">The job it happened to.</param>
public readonly record struct JobNotification(JobNotificationKind Kind, long JobId);
