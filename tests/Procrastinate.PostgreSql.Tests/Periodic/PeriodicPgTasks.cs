using System.Collections.Concurrent;
using Procrastinate.BuiltinTasks;

namespace Procrastinate.PostgreSql.Tests.Periodic;

/// <summary>Generated tasks of the PostgreSQL periodic and builtin tests.</summary>
public static partial class PeriodicPgTasks
{
    /// <summary>Each run of <see cref="TickEverySecond"/>: its timestamp and job id.</summary>
    public static ConcurrentQueue<(long Timestamp, long JobId)> Runs { get; } = new();

    [Task(Name = "tests.pg.every_second")]
    [Periodic("* * * * * *")]
    public static partial void TickEverySecond(long timestamp, JobContext context) => Runs.Enqueue((timestamp, context.Job.Id));

    // Shown in docs/deleting-jobs.md: a periodic task of the application's that deletes old jobs at 4 am.
    [Task(Name = "myapp.remove_old_jobs", QueueingLock = "remove_old_jobs")]
    [Periodic("0 4 * * *")]
    public static partial async Task RemoveOldJobsAtFour(JobContext context, long timestamp)
    {
        await Builtins.RemoveOldJobs(context, maxHours: 72, removeFailed: true, removeCancelled: true, removeAborted: true);
    }
}
