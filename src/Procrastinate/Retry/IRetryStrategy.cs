namespace Procrastinate;

/// <summary>
/// Decides whether a failed job runs again. Implement it for a custom strategy and name the type in
/// <see cref="TaskAttribute.RetryStrategy"/>; generated code constructs it with its public parameterless constructor.
/// </summary>
public interface IRetryStrategy
{
    /// <summary>
    /// Returns when and how to retry <paramref name="job"/> after <paramref name="exception"/>, or
    /// <see langword="null"/> not to retry. <see cref="Job.Attempts"/> counts the runs before this one.
    /// </summary>
    RetryDecision? GetRetryDecision(Exception exception, Job job);
}
