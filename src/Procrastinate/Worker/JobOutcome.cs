using Procrastinate.Storage;

namespace Procrastinate;

/// <summary>The result of a run to record: a finish or a retry (exactly one is set).</summary>
internal readonly record struct JobOutcome(JobCompletion? Finish, RetryJobParams? Retry)
{
    public long JobId => Finish?.JobId ?? Retry!.JobId;

    public static JobOutcome Finished(JobCompletion completion) => new(completion, null);

    public static JobOutcome Retried(RetryJobParams retry) => new(null, retry);
}
