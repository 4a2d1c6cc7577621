namespace Procrastinate.Cli;

/// <summary>The exit statuses of the command line.</summary>
public static class CliExitCodes
{
    /// <summary>The command did what was asked (also a queueing-lock conflict with <c>--ignore-already-enqueued</c>).</summary>
    public const int Success = 0;

    /// <summary>
    /// The command failed: database unreachable, schema missing or different, a health check failed, a queueing-lock
    /// conflict, a job that does not exist or is in the wrong status.
    /// </summary>
    public const int Failure = 1;

    /// <summary>
    /// The command line itself is wrong: unknown option or command, a bad value, an unknown task, JSON arguments that
    /// are not an object or do not fit the task.
    /// </summary>
    public const int Usage = 2;

    /// <summary>
    /// The worker stopped without waiting any longer for jobs that ignored their abort at shutdown
    /// (<see cref="WorkerOptions.ShutdownAbortTimeout"/>); their jobs were recorded as retried or failed.
    /// </summary>
    public const int JobsAbandoned = 3;

    /// <summary>
    /// <c>schema --check</c>: the schema matches Procrastinate 3.9's contract, but objects of Procrastinate for .NET's
    /// own that fast fetching needs are missing (a schema Python Procrastinate applied): workers work, at the
    /// contract's speed; <c>schema --apply-own</c> adds them without blocking writers.
    /// </summary>
    public const int Incomplete = 4;

    /// <summary>The command was interrupted before it finished.</summary>
    public const int Interrupted = 130;
}
