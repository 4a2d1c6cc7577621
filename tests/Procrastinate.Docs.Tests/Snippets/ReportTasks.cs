using System.Collections.Concurrent;

namespace Procrastinate.Docs.Tests.Snippets;

/// <summary>The task of docs/queueing-locks.md.</summary>
public static partial class ReportTasks
{
    /// <summary>The reports refreshed, in order.</summary>
    public static ConcurrentQueue<string> Refreshed { get; } = new();

    [Task(Name = "reports.refresh", QueueingLock = "refresh-report")]
    public static partial void RefreshReport(string report) => Refreshed.Enqueue(report);
}
