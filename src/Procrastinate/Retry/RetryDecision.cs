namespace Procrastinate;

/// <summary>
/// A strategy's answer to a failed run: when to run again, optionally with a new priority, queue or lock.
/// </summary>
public sealed record RetryDecision
{
    /// <summary>Retry at this time. Mutually exclusive with <see cref="RetryIn"/>; neither means now.</summary>
    public DateTimeOffset? RetryAt { get; init; }

    /// <summary>Retry after this delay. Mutually exclusive with <see cref="RetryAt"/>.</summary>
    public TimeSpan? RetryIn { get; init; }

    /// <summary>A new priority, or <see langword="null"/> to keep the job's.</summary>
    public int? Priority { get; init; }

    /// <summary>A new queue, or <see langword="null"/> to keep the job's.</summary>
    public string? Queue { get; init; }

    /// <summary>A new lock, or <see langword="null"/> to keep the job's.</summary>
    public string? Lock { get; init; }

    /// <summary>Resolves the time of the retry against <paramref name="now"/>.</summary>
    /// <exception cref="ArgumentException">Both <see cref="RetryAt"/> and <see cref="RetryIn"/> are set.</exception>
    public DateTimeOffset ResolveRetryAt(DateTimeOffset now)
    {
        if (RetryAt is not null && RetryIn is not null)
        {
            throw new ArgumentException("A retry decision cannot set both RetryAt and RetryIn.");
        }

        return RetryAt ?? (RetryIn is { } delay ? now + delay : now);
    }
}
