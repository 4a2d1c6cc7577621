namespace Procrastinate;

/// <summary>
/// A job could not be deferred because a <see cref="JobStatus.Todo"/> job already holds its queueing lock.
/// Nothing of the attempted defer (or batch) was written.
/// </summary>
public sealed class AlreadyEnqueuedException : ProcrastinateException
{
    /// <summary>Creates the exception for <paramref name="queueingLock"/>.</summary>
    public AlreadyEnqueuedException(string? queueingLock, Exception? innerException = null)
        : base($"Job cannot be enqueued: there is already a job in the queue with the queueing lock '{queueingLock}'.", innerException)
    {
        QueueingLock = queueingLock;
    }

    /// <summary>The queueing lock that was already taken, when the store could tell.</summary>
    public string? QueueingLock { get; }
}
