using System.Collections.Concurrent;
using System.Text.Json.Serialization;

namespace Procrastinate.Docs.Tests.Snippets;

public sealed record Address(string Street, string City);

[JsonSerializable(typeof(Address))]
internal sealed partial class ShopJsonContext : JsonSerializerContext
{
}

/// <summary>The tasks of docs/tasks-and-defer.md, docs/scheduling.md and docs/priorities-and-queues.md.</summary>
public static partial class ShopTasks
{
    /// <summary>What the tasks did, in order.</summary>
    public static ConcurrentQueue<string> Done { get; } = new();

    [Task(Name = "shop.send_receipt", Queue = "emails", Priority = 5, Retry = 3, RetryWaitSeconds = 10)]
    public static partial async Task SendReceipt(
        [TaskArgument("order_id")] long orderId,
        string email,
        JobContext context,
        bool copyToAccounting = false,
        CancellationToken cancellationToken = default)
    {
        await Task.Delay(1, cancellationToken);
        Done.Enqueue($"receipt {orderId} to {email} (job {context.Job.Id}, accounting: {copyToAccounting})");
    }

    [Task(Name = "shop.ship")]
    public static partial void Ship(long orderId, Address to, List<string> items, DateOnly? deliverBy = null) =>
        Done.Enqueue($"ship {orderId} to {to.City}: {string.Join(", ", items)} by {deliverBy:yyyy-MM-dd}");
}
