namespace Procrastinate.Storage;

/// <summary>
/// A store failed in a way its contract names (<see cref="IJobStore"/>): stores translate their database's errors into
/// these, so that the worker and the app never look at a database error code. The message names what happened, never a
/// connection secret; <see cref="Exception.InnerException"/> keeps the store's own error.
/// </summary>
public abstract class JobStoreException : ProcrastinateException
{
    /// <summary>Creates the exception.</summary>
    protected JobStoreException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>
/// The store could not be reached or lost its connection during the call (the server was unreachable, shut down or
/// terminated the session). Whether a write of the failed call took effect is unknown; calling again is safe for
/// reads and for the worker's calls.
/// </summary>
public sealed class StoreUnavailableException : JobStoreException
{
    /// <summary>Creates the exception.</summary>
    public StoreUnavailableException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }
}

/// <summary>
/// The worker's registration is gone: another worker pruned it as stalled (no heartbeat for longer than its
/// <see cref="WorkerOptions.StalledWorkerTimeout"/>), so the store refuses to give it jobs. The worker registers again.
/// </summary>
public sealed class WorkerNotRegisteredException : JobStoreException
{
    /// <summary>Creates the exception for <paramref name="workerId"/>.</summary>
    public WorkerNotRegisteredException(long workerId, Exception? innerException = null)
        : base($"Worker {workerId} is not registered (it was pruned as stalled, or never registered).", innerException)
    {
        WorkerId = workerId;
    }

    /// <summary>The worker id the store does not know.</summary>
    public long WorkerId { get; }
}

/// <summary>
/// The store's schema cannot be used: it is missing, incomplete or not the version this library expects, or the
/// connection may not use it (for PostgreSQL, Procrastinate's tables or functions are missing or not accessible). Apply or
/// migrate the schema; calling again does not help.
/// </summary>
public sealed class SchemaUnusableException : JobStoreException
{
    /// <summary>Creates the exception.</summary>
    public SchemaUnusableException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }
}
