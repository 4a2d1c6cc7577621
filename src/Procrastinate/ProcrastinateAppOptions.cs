using Microsoft.Extensions.Logging;

namespace Procrastinate;

/// <summary>How a <see cref="ProcrastinateApp"/> is put together.</summary>
public sealed class ProcrastinateAppOptions
{
    /// <summary>
    /// The tasks the app defers and runs: add each assembly's generated registry. The app adds the builtin tasks
    /// (<see cref="BuiltinTasks.RemoveOldJobs"/>) to it.
    /// </summary>
    public TaskRegistry Tasks { get; init; } = new();

    /// <summary>Where log records go; no logging when unset.</summary>
    public ILoggerFactory? LoggerFactory { get; init; }

    /// <summary>The clock; <see cref="TimeProvider.System"/> when unset. Tests move it.</summary>
    public TimeProvider? TimeProvider { get; init; }

    /// <summary>Worker options that apply under every run's own options.</summary>
    public WorkerOptions? WorkerDefaults { get; init; }

    /// <summary>
    /// A periodic tick older than this is skipped (at worker start, or after a store outage); 10 minutes by default,
    /// as Procrastinate. Between 0 and 7 days.
    /// </summary>
    public TimeSpan PeriodicMaxDelay { get; init; } = TimeSpan.FromMinutes(10);
}
