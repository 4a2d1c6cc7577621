namespace Procrastinate;

/// <summary>
/// The status of a job, in the order of PostgreSQL's <c>procrastinate_job_status</c> enum.
/// </summary>
public enum JobStatus
{
    /// <summary>Waiting to be fetched by a worker.</summary>
    Todo,

    /// <summary>Fetched by a worker and running.</summary>
    Doing,

    /// <summary>Ran to completion.</summary>
    Succeeded,

    /// <summary>Raised an error and will not be retried.</summary>
    Failed,

    /// <summary>Cancelled before it started.</summary>
    Cancelled,

    /// <summary>Legacy status kept for schema compatibility; never written.</summary>
    Aborting,

    /// <summary>Stopped while running, at a user's request or at shutdown.</summary>
    Aborted,
}
