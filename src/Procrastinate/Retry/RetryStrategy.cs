namespace Procrastinate;

/// <summary>
/// Procrastinate's standard strategy: up to <see cref="MaxAttempts"/> retries (or forever), waiting
/// <c>waitSeconds + linearWaitSeconds × attempts + exponentialWaitSeconds ^ (attempts + 1)</c>
/// seconds, optionally only for some exception types.
/// </summary>
public sealed class RetryStrategy : IRetryStrategy
{
    /// <summary>Creates a strategy. All waits are in seconds and default to 0.</summary>
    /// <param name="maxAttempts">Number of retries; <see langword="null"/> retries forever.</param>
    /// <param name="waitSeconds">Constant part of the delay, in seconds.</param>
    /// <param name="linearWaitSeconds">Part of the delay multiplied by the number of previous attempts, in seconds.</param>
    /// <param name="exponentialWaitSeconds">Base raised to (attempts + 1), in seconds.</param>
    /// <param name="retryOn">When set, only exceptions it accepts are retried.</param>
    /// <exception cref="ArgumentOutOfRangeException">A negative count or wait.</exception>
    public RetryStrategy(
        int? maxAttempts = null,
        double waitSeconds = 0,
        double linearWaitSeconds = 0,
        double exponentialWaitSeconds = 0,
        Func<Exception, bool>? retryOn = null)
    {
        if (maxAttempts < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(maxAttempts), maxAttempts, "The number of retries cannot be negative.");
        }

        ArgumentOutOfRangeException.ThrowIfNegative(waitSeconds);
        ArgumentOutOfRangeException.ThrowIfNegative(linearWaitSeconds);
        ArgumentOutOfRangeException.ThrowIfNegative(exponentialWaitSeconds);
        MaxAttempts = maxAttempts;
        WaitSeconds = waitSeconds;
        LinearWaitSeconds = linearWaitSeconds;
        ExponentialWaitSeconds = exponentialWaitSeconds;
        RetryOn = retryOn;
    }

    /// <summary>Number of retries; <see langword="null"/> means forever.</summary>
    public int? MaxAttempts { get; }

    /// <summary>Constant part of the delay, in seconds.</summary>
    public double WaitSeconds { get; }

    /// <summary>Linear part of the delay, in seconds per previous attempt.</summary>
    public double LinearWaitSeconds { get; }

    /// <summary>Exponential base of the delay, in seconds.</summary>
    public double ExponentialWaitSeconds { get; }

    /// <summary>The exception filter, or <see langword="null"/> to retry every exception.</summary>
    public Func<Exception, bool>? RetryOn { get; }

    /// <summary>The delay before the retry that follows <paramref name="attempts"/> previous runs.</summary>
    public TimeSpan GetDelay(int attempts)
    {
        var seconds = WaitSeconds + (LinearWaitSeconds * attempts) + Math.Pow(ExponentialWaitSeconds, attempts + 1);
        return seconds >= TimeSpan.MaxValue.TotalSeconds ? TimeSpan.MaxValue : TimeSpan.FromSeconds(seconds);
    }

    /// <inheritdoc />
    public RetryDecision? GetRetryDecision(Exception exception, Job job)
    {
        ArgumentNullException.ThrowIfNull(exception);
        ArgumentNullException.ThrowIfNull(job);
        if (MaxAttempts is { } max && job.Attempts >= max)
        {
            return null;
        }

        if (RetryOn is not null && !RetryOn(exception))
        {
            return null;
        }

        return new RetryDecision { RetryIn = GetDelay(job.Attempts) };
    }
}
