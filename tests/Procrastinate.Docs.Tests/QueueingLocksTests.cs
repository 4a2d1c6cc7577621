using Procrastinate.Docs.Tests.Snippets;
using Procrastinate.Testing;

namespace Procrastinate.Docs.Tests;

/// <summary>The code of docs/queueing-locks.md, run in memory.</summary>
public class QueueingLocksTests
{
    private readonly DocsApp _docs = new();

    [Fact]
    public async Task SecondDefer_WhileTheFirstWaits_Throws()
    {
        await RefreshReport.DeferAsync("sales");
        try
        {
            await RefreshReport.DeferAsync("sales");
            Assert.Fail("The queueing lock was not enforced.");
        }
        catch (AlreadyEnqueuedException exception)
        {
            // A refresh is already waiting: it will see the latest data anyway.
            Assert.Equal("refresh-report", exception.QueueingLock);
        }

        Assert.Single(_docs.Store.Deferred(RefreshReport.Handle));
    }

    [Fact]
    public async Task IgnoreAlreadyEnqueued_ReturnsTheWaitingJob()
    {
        var first = await RefreshReport.DeferAsync("sales");

        var id = await RefreshReport.Configure(ignoreAlreadyEnqueued: true).DeferAsync("sales");

        Assert.Equal(first, id);
        Assert.Single(_docs.Store.Deferred(RefreshReport.Handle));
    }

    [Fact]
    public async Task LockPerReport_LetsEachReportWaitOnce()
    {
        foreach (var report in new[] { "sales", "stock", "sales" })
        {
            await RefreshReport.Configure(queueingLock: "refresh-" + report, ignoreAlreadyEnqueued: true).DeferAsync(report);
        }

        Assert.Equal(["sales", "stock"], _docs.Store.Deferred(RefreshReport.Handle).Select(args => args.Report));
    }

    [Fact]
    public async Task LockIsFree_OnceTheJobRuns()
    {
        await RefreshReport.DeferAsync("sales");
        Assert.Equal(1, await _docs.App.RunUntilIdleAsync());

        await RefreshReport.DeferAsync("sales");

        Assert.Single(_docs.Store.Deferred(RefreshReport.Handle));
    }

    [Fact]
    public async Task Batch_WithATakenLock_DefersNothing()
    {
        await RefreshReport.DeferAsync("sales");

        await Assert.ThrowsAsync<AlreadyEnqueuedException>(
            () => RefreshReport.Configure(queueingLock: "refresh-stock").BatchDeferAsync([new("stock"), new("stock")]).AsTask());
        await Assert.ThrowsAsync<ArgumentException>(
            () => RefreshReport.Configure(ignoreAlreadyEnqueued: true).BatchDeferAsync([new("stock")]).AsTask());

        Assert.Equal(["sales"], _docs.Store.Deferred(RefreshReport.Handle).Select(args => args.Report));
    }
}
