using System.Collections.Concurrent;
using System.Net;

namespace Procrastinate.Docs.Tests.Snippets;

/// <summary>Retries only timeouts, and at most twice; any other exception fails the job at once.</summary>
public sealed class TimeoutsTwice : IRetryStrategy
{
    public RetryDecision? GetRetryDecision(Exception exception, Job job)
    {
        ArgumentNullException.ThrowIfNull(job);
        if (exception is not TimeoutException || job.Attempts >= 2)
        {
            return null;
        }

        // Back off by a minute per attempt, and let the job wait behind fresher work.
        return new RetryDecision { RetryIn = TimeSpan.FromMinutes(job.Attempts + 1), Priority = -1 };
    }
}

/// <summary>Retries HTTP errors of some status codes, a few times, one more minute each time: a strategy with settings.</summary>
public sealed class HttpStatusRetry(int maxAttempts, params HttpStatusCode[] statusCodes) : IRetryStrategy
{
    public RetryDecision? GetRetryDecision(Exception exception, Job job)
    {
        ArgumentNullException.ThrowIfNull(job);
        if (exception is not HttpRequestException { StatusCode: { } status } || !statusCodes.Contains(status) || job.Attempts >= maxAttempts)
        {
            return null;
        }

        return new RetryDecision { RetryIn = TimeSpan.FromMinutes(job.Attempts + 1) };
    }
}

/// <summary>The tasks of docs/retry.md. Each fails while <see cref="Failures"/> of its key is above zero.</summary>
public static partial class RetryTasks
{
    /// <summary>How many more runs of each key fail, and with which exception.</summary>
    public static ConcurrentDictionary<string, (int Count, Func<Exception> Error)> Failures { get; } = new();

    [Task(Name = "retry.five_times", Retry = 5)]
    public static partial void FiveTimes(string key) => FailIfAsked(key);

    [Task(Name = "retry.forever", Retry = TaskAttribute.Forever, RetryWaitSeconds = 5)]
    public static partial void UntilItWorks(string key) => FailIfAsked(key);

    [Task(Name = "retry.exponential", Retry = 10, RetryExponentialWaitSeconds = 2)]
    public static partial void Exponential(string key) => FailIfAsked(key);

    [Task(Name = "retry.http_only", Retry = 3, RetryLinearWaitSeconds = 30, RetryOn = [typeof(HttpRequestException), typeof(TimeoutException)])]
    public static partial void HttpOnly(string key) => FailIfAsked(key);

    [Task(Name = "retry.custom", RetryStrategy = typeof(TimeoutsTwice))]
    public static partial void Custom(string key) => FailIfAsked(key);

    [Task(Name = "retry.timeouts", RetryOn = [typeof(TimeoutException)])]
    public static partial void OnTimeouts(string key) => FailIfAsked(key);

    internal static HttpStatusRetry PaymentRetry() => new(maxAttempts: 4, HttpStatusCode.ServiceUnavailable, HttpStatusCode.TooManyRequests);

    [Task(Name = "retry.payment", RetryStrategyFactory = nameof(PaymentRetry))]
    public static partial void ChargeCard(string key) => FailIfAsked(key);

    private static void FailIfAsked(string key)
    {
        if (Failures.TryGetValue(key, out var failure) && failure.Count > 0)
        {
            Failures[key] = (failure.Count - 1, failure.Error);
            throw failure.Error();
        }
    }
}
