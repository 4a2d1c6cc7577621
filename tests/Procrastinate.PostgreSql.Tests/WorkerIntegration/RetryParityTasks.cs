using System.Collections.Concurrent;

namespace Procrastinate.PostgreSql.Tests.WorkerIntegration;

/// <summary>Fails a wanted number of times with the wanted exception; the settings are those of Python parity.</summary>
public sealed class FixedCountRetry(int maxAttempts) : IRetryStrategy
{
    public RetryDecision? GetRetryDecision(Exception exception, Job job)
    {
        ArgumentNullException.ThrowIfNull(job);
        return job.Attempts < maxAttempts ? new RetryDecision { Priority = job.Priority + 1 } : null;
    }
}

/// <summary>Tasks of <see cref="RetryParityTests"/>: each fails while <see cref="Failures"/> of its key says so.</summary>
public static partial class RetryParityTasks
{
    /// <summary>How many more runs of each key fail, and with which exception.</summary>
    public static ConcurrentDictionary<string, (int Count, Func<Exception> Error)> Failures { get; } = new();

    /// <summary>Retries timeouts without limit (no <c>Retry</c>), as <c>RetryStrategy(retry_exceptions=[...])</c>.</summary>
    [Task(Name = "tests.retry.timeouts", RetryOn = [typeof(TimeoutException)])]
    public static partial void RetryTimeouts(string key) => FailIfAsked(key);

    internal static FixedCountRetry TwoRetries() => new(maxAttempts: 2);

    /// <summary>A custom strategy with a per-task setting, from a factory.</summary>
    [Task(Name = "tests.retry.factory", RetryStrategyFactory = nameof(TwoRetries))]
    public static partial void RetryFromFactory(string key) => FailIfAsked(key);

    private static void FailIfAsked(string key)
    {
        if (Failures.TryGetValue(key, out var failure) && failure.Count > 0)
        {
            Failures[key] = (failure.Count - 1, failure.Error);
            throw failure.Error();
        }
    }
}
