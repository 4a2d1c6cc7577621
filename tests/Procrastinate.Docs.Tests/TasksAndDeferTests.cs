using Procrastinate.Docs.Tests.Snippets;
using Procrastinate.Testing;

namespace Procrastinate.Docs.Tests;

/// <summary>The code of docs/tasks-and-defer.md, run in memory.</summary>
public class TasksAndDeferTests
{
    private readonly DocsApp _docs = new();

    [Fact]
    public async Task Defer_UsesTheTaskDefaults()
    {
        var jobId = await SendReceipt.DeferAsync(orderId: 42, email: "ann@example.com");

        var job = Assert.Single(_docs.Store.Jobs(SendReceipt.Handle));
        Assert.Equal(jobId, job.Job.Id);
        Assert.Equal(("emails", 5), (job.Job.Queue, job.Job.Priority));
        Assert.Equal("""{"email": "ann@example.com", "order_id": 42, "copyToAccounting": false}""", job.Job.Args);
        Assert.Equal(1, await _docs.App.RunUntilIdleAsync());
        Assert.Contains($"receipt 42 to ann@example.com (job {jobId}, accounting: False)", ShopTasks.Done);
    }

    [Fact]
    public async Task Configure_OverridesTheDefaultsOfSomeJobs()
    {
        await SendReceipt.Configure(queue: "urgent", priority: 10, @lock: "customer-43").DeferAsync(43, "bob@example.com");

        var later = SendReceipt.Configure(scheduleIn: TimeSpan.FromMinutes(5));
        await later.DeferAsync(44, "cy@example.com");
        await later.DeferAsync(45, "di@example.com", copyToAccounting: true);

        var jobs = _docs.Store.Jobs(SendReceipt.Handle);
        Assert.Equal(("urgent", 10, "customer-43"), (jobs[0].Job.Queue, jobs[0].Job.Priority, jobs[0].Job.Lock));
        Assert.All(jobs.Skip(1), job => Assert.Equal(_docs.Clock.GetUtcNow().AddMinutes(5), job.Job.ScheduledAt));
        Assert.True(jobs[2].Args.CopyToAccounting);
    }

    [Fact]
    public async Task BatchDefer_DefersAllJobsAtOnce()
    {
        var ids = await SendReceipt.BatchDeferAsync(
        [
            new SendReceipt.Args(46, "ed@example.com"),
            new SendReceipt.Args(47, "fi@example.com", CopyToAccounting: true),
        ]);

        Assert.Equal(2, ids.Count);
        Assert.Equal([46L, 47L], _docs.Store.Deferred(SendReceipt.Handle).Select(args => args.OrderId));
    }

    [Fact]
    public async Task ArgumentsOfOtherTypes_RoundTrip()
    {
        await Ship.DeferAsync(7, new Address("1 Main St", "Lyon"), ["book", "pen"], new DateOnly(2026, 3, 1));

        Assert.Equal(1, await _docs.App.RunUntilIdleAsync());
        Assert.Contains("ship 7 to Lyon: book, pen by 2026-03-01", ShopTasks.Done);
    }

    [Fact]
    public async Task DeferByName_ValidatesTheArguments()
    {
        var app = _docs.App;

        var jobId = await app.DeferByNameAsync("shop.send_receipt", """{"order_id": 48, "email": "gu@example.com"}""");

        Assert.Equal([48L], _docs.Store.Deferred(SendReceipt.Handle).Select(args => args.OrderId));
        Assert.Equal("emails", (await app.Store.ListJobsAsync(new Storage.JobFilter { Id = jobId }))[0].Queue);
        await Assert.ThrowsAsync<TaskArgumentsException>(() => app.DeferByNameAsync("shop.send_receipt", """{"order": 1}""").AsTask());
        await Assert.ThrowsAsync<TaskNotFoundException>(() => app.DeferByNameAsync("shop.send_reciept", "{}").AsTask());
    }
}
