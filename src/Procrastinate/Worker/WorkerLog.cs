using Microsoft.Extensions.Logging;

namespace Procrastinate;

/// <summary>
/// The worker's log records (category <c>Procrastinate.Worker</c>). Each job's records carry a scope with its id,
/// task, queue and attempts; the outcome line is Procrastinate's.
/// </summary>
internal static partial class WorkerLog
{
    [LoggerMessage(EventId = 100, Level = LogLevel.Information,
        Message = "Starting worker {WorkerName} (id {WorkerId}) on {QueuesDisplay}, concurrency {Concurrency}")]
    public static partial void StartWorker(ILogger logger, string workerName, long workerId, string queuesDisplay, int concurrency);

    [LoggerMessage(EventId = 101, Level = LogLevel.Information, Message = "Stopping worker {WorkerName}: {Reason}")]
    public static partial void StoppingWorker(ILogger logger, string workerName, string reason);

    [LoggerMessage(EventId = 102, Level = LogLevel.Information, Message = "Stopped worker {WorkerName} (id {WorkerId})")]
    public static partial void StopWorker(ILogger logger, string workerName, long? workerId);

    [LoggerMessage(EventId = 103, Level = LogLevel.Information,
        Message = "Graceful timeout of {TimeoutSeconds} s reached: aborting {JobCount} running job(s)")]
    public static partial void GracefulTimeoutReached(ILogger logger, double timeoutSeconds, int jobCount);

    [LoggerMessage(EventId = 104, Level = LogLevel.Warning, Message = "Aborting {JobCount} running job(s) now")]
    public static partial void AbortingNow(ILogger logger, int jobCount);

    [LoggerMessage(EventId = 105, Level = LogLevel.Information,
        Message = "Waiting for {JobCount} running job(s) to finish")]
    public static partial void WaitingForJobs(ILogger logger, int jobCount);

    [LoggerMessage(EventId = 106, Level = LogLevel.Warning, Message = "{Operation} failed; retrying in {DelaySeconds:0.0} s")]
    public static partial void StoreCallFailed(ILogger logger, string operation, double delaySeconds, Exception exception);

    [LoggerMessage(EventId = 107, Level = LogLevel.Warning,
        Message = "Listening for notifications failed; relying on polling every {PollSeconds} s")]
    public static partial void ListenFailed(ILogger logger, double pollSeconds, Exception exception);

    [LoggerMessage(EventId = 108, Level = LogLevel.Information, Message = "Recovered {JobCount} stalled job(s): {JobIds}")]
    public static partial void StalledJobsRecovered(ILogger logger, int jobCount, string jobIds);

    [LoggerMessage(EventId = 109, Level = LogLevel.Information, Message = "Pruned {WorkerCount} stalled worker(s)")]
    public static partial void StalledWorkersPruned(ILogger logger, int workerCount);

    [LoggerMessage(EventId = 110, Level = LogLevel.Warning,
        Message = "Unregistering worker {WorkerId} failed; its heartbeat will age and its jobs be recovered")]
    public static partial void UnregisterFailed(ILogger logger, long workerId, Exception exception);

    [LoggerMessage(EventId = 111, Level = LogLevel.Debug, Message = "Signal {Signal} received")]
    public static partial void SignalReceived(ILogger logger, string signal);

    [LoggerMessage(EventId = 112, Level = LogLevel.Warning, Message = "Cannot install signal handlers: {Reason}")]
    public static partial void SkipSignalHandlers(ILogger logger, string reason);

    [LoggerMessage(EventId = 113, Level = LogLevel.Warning,
        Message = "Worker id {OldWorkerId} is no longer registered (pruned by another worker); registered again as {WorkerId}")]
    public static partial void RegisteredAgain(ILogger logger, long oldWorkerId, long workerId);

    [LoggerMessage(EventId = 114, Level = LogLevel.Warning,
        Message = "Running {JobCount} job(s) that a failed fetch had started in the store: {JobIds}")]
    public static partial void RunningJobsOfFailedFetch(ILogger logger, int jobCount, string jobIds);

    [LoggerMessage(EventId = 115, Level = LogLevel.Warning,
        Message = "Fetching jobs together with {JobCount} finish(es) failed; recording the finishes alone")]
    public static partial void FinishAndFetchFailed(ILogger logger, int jobCount, Exception exception);

    [LoggerMessage(EventId = 116, Level = LogLevel.Error,
        Message = "Gave up waiting for {JobCount} aborted job(s) after {WaitSeconds} s: {JobIds}; they are recorded as retried or failed, and their runs are left behind")]
    public static partial void AbandoningJobs(ILogger logger, int jobCount, double waitSeconds, string jobIds);

    [LoggerMessage(EventId = 200, Level = LogLevel.Information, Message = "Starting job {CallString}")]
    public static partial void StartJob(ILogger logger, string callString);

    /// <summary>Procrastinate's one line per job outcome: ERROR for a final failure, else INFO.</summary>
    [LoggerMessage(EventId = 201, Message = "Job {CallString} ended with status: {Outcome}, lasted {DurationSeconds:0.000} s")]
    public static partial void JobEnded(
        ILogger logger, LogLevel level, string callString, string outcome, double durationSeconds, Exception? exception);

    /// <summary>Procrastinate's end line of a task that returned a value, with the value (bounded) as <c>Result</c>.</summary>
    [LoggerMessage(EventId = 202, Level = LogLevel.Information,
        Message = "Job {CallString} ended with status: {Outcome}, lasted {DurationSeconds:0.000} s - Result: {Result}")]
    public static partial void JobSucceededWithResult(
        ILogger logger, string callString, string outcome, double durationSeconds, string result);

    [LoggerMessage(EventId = 204, Level = LogLevel.Information, Message = "Aborting job {JobId}: {Reason}")]
    public static partial void AbortJob(ILogger logger, long jobId, AbortReason reason);

    [LoggerMessage(EventId = 205, Level = LogLevel.Error,
        Message = "Task {TaskName} of job {JobId} is not registered; the job fails")]
    public static partial void TaskNotFound(ILogger logger, string taskName, long jobId);

    [LoggerMessage(EventId = 206, Level = LogLevel.Error,
        Message = "Retry strategy of task {TaskName} threw for job {JobId}; the job is not retried")]
    public static partial void RetryStrategyFailed(ILogger logger, string taskName, long jobId, Exception exception);

    /// <summary>
    /// A job whose run lost its worker (stalled-job recovery found it running under a worker that is gone or silent):
    /// WARNING when it runs again, ERROR when it failed.
    /// </summary>
    [LoggerMessage(EventId = 207,
        Message = "Job {CallString} lost its worker {LostWorkerId} (gone, or silent for {StalledSeconds} s): attempt {Attempt} ended without an outcome; {Outcome}")]
    public static partial void WorkerLost(
        ILogger logger, LogLevel level, string callString, long? lostWorkerId, double stalledSeconds, int attempt, string outcome);

    [LoggerMessage(EventId = 300, Level = LogLevel.Warning,
        Message = "Recording {JobCount} outcomes at once failed; recording them one by one")]
    public static partial void RecordOutcomesFailed(ILogger logger, int jobCount, Exception exception);

    [LoggerMessage(EventId = 301, Level = LogLevel.Warning,
        Message = "Recording the {Operation} of job {JobId} failed ({Failures} time(s)); will try again")]
    public static partial void RecordOutcomeFailed(ILogger logger, long jobId, string operation, int failures, Exception exception);

    [LoggerMessage(EventId = 302, Level = LogLevel.Information,
        Message = "Recorded the outcome of job {JobId} after {Failures} failed attempt(s)")]
    public static partial void RecordOutcomeRecovered(ILogger logger, long jobId, int failures);

    [LoggerMessage(EventId = 303, Level = LogLevel.Error,
        Message = "The store rejected the {Operation} of job {JobId}; its outcome is not recorded")]
    public static partial void RecordOutcomeRejected(ILogger logger, long jobId, string operation, Exception exception);

    [LoggerMessage(EventId = 304, Level = LogLevel.Error,
        Message = "Gave up recording the {Operation} of job {JobId}; it stays running until stalled-job recovery retries it")]
    public static partial void RecordOutcomeAbandoned(ILogger logger, long jobId, string operation, Exception exception);

    [LoggerMessage(EventId = 305, Level = LogLevel.Warning,
        Message = "Job {JobId} was not retried: a waiting job already holds its queueing lock {QueueingLock}, so this one ends failed")]
    public static partial void RetryAlreadyEnqueued(ILogger logger, long jobId, string? queueingLock);

    [LoggerMessage(EventId = 306, Level = LogLevel.Warning,
        Message = "Dropped the {Operation} of job {JobId} from worker {WorkerId}: the job no longer runs on that worker (stalled-job recovery gave it back; it may run elsewhere)")]
    public static partial void OutcomeDropped(ILogger logger, string operation, long jobId, long workerId);

    [LoggerMessage(EventId = 118, Level = LogLevel.Error,
        Message = "No heartbeat recorded for {SilentSeconds:0.0} s (stalled timeout {StalledSeconds} s): fencing this worker, aborting its {JobCount} running job(s) ({JobIds}) and leaving them to stalled-job recovery, so that they never run twice at once; no job is fetched until the store is back")]
    public static partial void Fenced(ILogger logger, double silentSeconds, double stalledSeconds, int jobCount, string jobIds);

    [LoggerMessage(EventId = 119, Level = LogLevel.Warning,
        Message = "Heartbeats are recorded again: worker {OldWorkerId} unregistered (its jobs go to stalled-job recovery), fetching again as worker {WorkerId}")]
    public static partial void Unfenced(ILogger logger, long oldWorkerId, long workerId);

    [LoggerMessage(EventId = 117, Level = LogLevel.Critical, Message = "The worker stops: {Reason}")]
    public static partial void SchemaUnusable(ILogger logger, string reason);
}
