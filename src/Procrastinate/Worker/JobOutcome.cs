using Procrastinate.Storage;

namespace Procrastinate;

/// <summary>The result of a run to record: a finish or a retry (exactly one is set).</summary>
/// <param name="Finish">The finish to record.</param>
/// <param name="Retry">The retry to record.</param>
/// <param name="Alone">Record it on its own, never along with a fetch (a combined attempt already failed).</param>
internal readonly record struct JobOutcome(JobCompletion? Finish, RetryJobParams? Retry, bool Alone = false)
{
    public long JobId => Finish?.JobId ?? Retry!.JobId;

    public static JobOutcome Finished(JobCompletion completion) => new(completion, null);

    public static JobOutcome Retried(RetryJobParams retry) => new(null, retry);
}
