using Microsoft.Extensions.Logging;

namespace Procrastinate.Storage;

/// <summary>
/// The rule both stores apply to a worker's own outcomes (<see cref="JobCompletion.WorkerId"/>,
/// <see cref="RetryJobParams.WorkerId"/>): an outcome applies only while its job is still running on that worker, or on
/// no worker; otherwise it is dropped, with a warning and a count (<see cref="Diagnostics.ProcrastinateInstrumentation.OutcomesDropped"/>).
/// </summary>
internal static class OutcomeFence
{
    /// <summary>Whether an outcome of <paramref name="workerId"/> (none: not fenced) applies to a job in this state.</summary>
    public static bool Applies(long? workerId, JobStatus status, long? holder) =>
        workerId is not { } worker || (status == JobStatus.Doing && (holder is null || holder == worker));

    /// <summary>Logs and counts an outcome that no longer applied (job id and worker id only).</summary>
    public static void Dropped(ILogger logger, string operation, long jobId, long workerId)
    {
        WorkerLog.OutcomeDropped(logger, operation, jobId, workerId);
        Diagnostics.ProcrastinateInstrumentation.OutcomeDropped();
    }
}
