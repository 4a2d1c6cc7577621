namespace Procrastinate;

/// <summary>
/// Procrastinate's standard strategy: up to <see cref="MaxAttempts"/> retries (or forever), waiting
/// <c>wait + linearWait × attempts + exponentialWait ^ (attempts + 1)</c> seconds, optionally only for some
/// exception types.
/// </summary>
public sealed class RetryStrategy : IRetryStrategy
{
    /// <summary>Creates a strategy. All waits are in seconds and default to 0.</summary>
    /// <param name="maxAttempts">Number of retries; <see langword="null"/> retries forever.</param>
    /// <param name="wait">Constant part of the delay, in seconds.</param>
    /// <param name="linearWait">Part of the delay multiplied by the number of previous attempts, in seconds.</param>
    /// <param name="exponentialWait">Base raised to (attempts + 1), in seconds.</param>
    /// <param name="retryOn">When set, only exceptions it accepts are retried.</param>
    /// <exception cref="ArgumentOutOfRangeException">A negative count or wait.</exception>
    public RetryStrategy(
        int? maxAttempts = null,
        double wait = 0,
        double linearWait = 0,
        double exponentialWait = 0,
        Func<Exception, bool>? retryOn = null)
    {
        if (maxAttempts < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(maxAttempts), maxAttempts, "The number of retries cannot be negative.");
        }

        ArgumentOutOfRangeException.ThrowIfNegative(wait);
        ArgumentOutOfRangeException.ThrowIfNegative(linearWait);
        ArgumentOutOfRangeException.ThrowIfNegative(exponentialWait);
        MaxAttempts = maxAttempts;
        Wait = wait;
        LinearWait = linearWait;
        ExponentialWait = exponentialWait;
        RetryOn = retryOn;
    }

    /// <summary>Number of retries; <see langword="null"/> means forever.</summary>
    public int? MaxAttempts { get; }

    /// <summary>Constant part of the delay, in seconds.</summary>
    public double Wait { get; }

    /// <summary>Linear part of the delay, in seconds per previous attempt.</summary>
    public double LinearWait { get; }

    /// <summary>Exponential base of the delay, in seconds.</summary>
    public double ExponentialWait { get; }

    /// <summary>The exception filter, or <see langword="null"/> to retry every exception.</summary>
    public Func<Exception, bool>? RetryOn { get; }

    /// <summary>The delay before the retry that follows <paramref name="attempts"/> previous runs.</summary>
    public TimeSpan GetDelay(int attempts)
    {
        var seconds = Wait + (LinearWait * attempts) + Math.Pow(ExponentialWait, attempts + 1);
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
