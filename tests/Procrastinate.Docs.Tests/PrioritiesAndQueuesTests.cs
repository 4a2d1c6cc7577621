using Procrastinate.Docs.Tests.Snippets;
using Procrastinate.Testing;

namespace Procrastinate.Docs.Tests;

/// <summary>The code of docs/priorities-and-queues.md, run in memory.</summary>
public class PrioritiesAndQueuesTests
{
    private readonly DocsApp _docs = new();

    [Fact]
    public async Task HigherPriority_RunsFirst()
    {
        await SendReceipt.Configure(priority: 0).DeferAsync(1, "low@example.com");
        await SendReceipt.DeferAsync(2, "default@example.com");
        await SendReceipt.Configure(priority: 100).DeferAsync(3, "vip@example.com");

        var options = new WorkerOptions { Queues = ["emails"], Concurrency = 1 };
        var ran = await _docs.App.RunUntilIdleAsync(options: options);

        Assert.Equal(3, ran);
        var order = ShopTasks.Done.Where(line => line.Contains("@example.com", StringComparison.Ordinal)).TakeLast(3).ToList();
        Assert.StartsWith("receipt 3 to vip@", order[0], StringComparison.Ordinal);
        Assert.StartsWith("receipt 2 to default@", order[1], StringComparison.Ordinal);
        Assert.StartsWith("receipt 1 to low@", order[2], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Worker_RunsOnlyItsQueues()
    {
        await SendReceipt.DeferAsync(4, "ann@example.com");
        await SendReceipt.Configure(queue: "urgent").DeferAsync(5, "bob@example.com");

        Assert.Equal(1, await _docs.App.RunUntilIdleAsync(options: new WorkerOptions { Queues = ["urgent"] }));
        Assert.Equal([4L], _docs.Store.Deferred(SendReceipt.Handle).Select(args => args.OrderId));
        Assert.Equal(1, await _docs.App.RunUntilIdleAsync());
    }

    [Fact]
    public void QueueName_LongerThan40Bytes_IsRefused()
    {
        var error = Assert.Throws<ArgumentException>(() => SendReceipt.Configure(queue: new string('q', 41)));

        Assert.Contains("40 UTF-8 bytes", error.Message, StringComparison.Ordinal);
    }
}
