using Procrastinate.Docs.Tests.Snippets;
using Procrastinate.Testing;

namespace Procrastinate.Docs.Tests;

/// <summary>The code of docs/scheduling.md, run in memory with a fake clock.</summary>
public class SchedulingTests
{
    private readonly DocsApp _docs = new();

    [Fact]
    public async Task ScheduledJobs_RunAtTheirTime()
    {
        // At 9:00 UTC on 1 January 2026 (the fake clock), two reminders:
        await SendReceipt.Configure(scheduleAt: new DateTimeOffset(2026, 1, 2, 8, 0, 0, TimeSpan.Zero)).DeferAsync(1, "ann@example.com");
        await SendReceipt.Configure(scheduleIn: TimeSpan.FromHours(2)).DeferAsync(2, "bob@example.com");

        Assert.Equal(0, await _docs.App.RunUntilIdleAsync());

        Assert.Equal(2, await _docs.App.RunUntilIdleAsync(advanceTime: true));
        Assert.Equal(new DateTimeOffset(2026, 1, 2, 8, 0, 0, TimeSpan.Zero), _docs.Clock.GetUtcNow());
        var jobs = _docs.Store.Jobs(SendReceipt.Handle);
        Assert.Equal([2L, 1L], jobs.OrderBy(job => job.Job.ScheduledAt).Select(job => job.Args.OrderId));
    }

    [Fact]
    public void BothSchedules_AreRefused()
    {
        Assert.Throws<ArgumentException>(() => SendReceipt.Configure(scheduleAt: DateTimeOffset.UtcNow, scheduleIn: TimeSpan.FromHours(1)));
        Assert.Throws<ArgumentOutOfRangeException>(() => SendReceipt.Configure(scheduleIn: TimeSpan.FromHours(-1)));
    }
}
