using System.Collections.Concurrent;

namespace Procrastinate.Dashboard.Tests;

/// <summary>The tasks the dashboard tests defer and run, compiled by the real generator.</summary>
public static partial class DashboardTasks
{
    private static readonly ConcurrentDictionary<string, int> Tries = new(StringComparer.Ordinal);

    /// <summary>Fails the first time for a key, then succeeds.</summary>
    [Task(Name = "dash.flaky", Queue = "mail")]
    public static partial void Flaky(string key)
    {
        if (Tries.AddOrUpdate(key, 1, (_, n) => n + 1) == 1)
        {
            throw new IOException("the mail server said no");
        }
    }

    /// <summary>Runs until aborted (or a minute passes).</summary>
    [Task(Name = "dash.sleep", Queue = "slow", Lock = "sleeper")]
    public static partial async Task Sleep(int seconds, CancellationToken cancellationToken) =>
        await Task.Delay(TimeSpan.FromSeconds(seconds), cancellationToken);

    [Task(Name = "dash.report", Queue = "reports", QueueingLock = "daily-report", Retry = 3)]
    [Periodic("0 4 * * *")]
    public static partial void Report(long timestamp)
    {
    }
}
