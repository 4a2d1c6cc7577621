using Microsoft.Extensions.Logging;
using Procrastinate.Storage;

namespace Procrastinate.BuiltinTasks;

/// <summary>
/// Procrastinate's builtin tasks, under Procrastinate's names so that a Python worker runs them too. Every
/// <see cref="ProcrastinateApp"/> registers them; defer them through their generated handles, e.g.
/// <c>BuiltinTasks.RemoveOldJobs.DeferAsync(maxHours: 72)</c>.
/// </summary>
public static partial class Builtins
{
    /// <summary>Procrastinate's name of <see cref="RemoveOldJobs"/>.</summary>
    public const string RemoveOldJobsName = "builtin:procrastinate.builtin_tasks.remove_old_jobs";

    /// <summary>The queue of the builtin tasks.</summary>
    public const string QueueName = "builtin";

    /// <summary>
    /// Deletes finished jobs whose latest event is older than <paramref name="maxHours"/> hours, with their events:
    /// succeeded jobs always, failed, cancelled and aborted ones when asked.
    /// </summary>
    /// <param name="context">The running job's context.</param>
    /// <param name="maxHours">The age, in hours, of a job's latest event past which it goes.</param>
    /// <param name="queue">Only jobs of this queue; every queue when <see langword="null"/>.</param>
    /// <param name="removeFailed">Also delete failed jobs.</param>
    /// <param name="removeCancelled">Also delete cancelled jobs.</param>
    /// <param name="removeAborted">Also delete aborted jobs.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxHours"/> is negative.</exception>
    [Task(Name = RemoveOldJobsName, Aliases = ["procrastinate.builtin_tasks.remove_old_jobs"], Queue = QueueName)]
    public static partial async Task RemoveOldJobs(
        JobContext context,
        [TaskArgument("max_hours")] int maxHours,
        string? queue = null,
        [TaskArgument("remove_failed")] bool removeFailed = false,
        [TaskArgument("remove_cancelled")] bool removeCancelled = false,
        [TaskArgument("remove_aborted")] bool removeAborted = false)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentOutOfRangeException.ThrowIfNegative(maxHours);
        var deleted = await context.App.Store.DeleteOldJobsAsync(
            new DeleteOldJobsParams(TimeSpan.FromHours(maxHours), queue, removeFailed, removeCancelled, removeAborted),
            context.CancellationToken).ConfigureAwait(false);
        Log.OldJobsRemoved(context.App.LoggerFactory.CreateLogger("Procrastinate.BuiltinTasks"), deleted, maxHours);
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 400, Level = LogLevel.Information,
            Message = "Removed {JobCount} finished job(s) older than {MaxHours} h")]
        public static partial void OldJobsRemoved(ILogger logger, int jobCount, int maxHours);
    }
}
