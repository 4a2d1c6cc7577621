using System.Text.Json.Serialization;
using Procrastinate;

namespace AotWorker;

/// <summary>A parcel size: enums travel as their numbers.</summary>
public enum ParcelSize
{
    Small,
    Large,
}

/// <summary>A type the generator cannot write by itself; <see cref="SampleJsonContext"/> covers it.</summary>
public sealed record Address(string Street, string City);

[JsonSerializable(typeof(Address))]
internal sealed partial class SampleJsonContext : JsonSerializerContext
{
}

/// <summary>Representative tasks: arguments of several types, a failing one, a retried one, a periodic one.</summary>
public static partial class SampleTasks
{
    /// <summary>Two integers; the result is logged.</summary>
    [Task(Name = "sample.add")]
    public static partial int Add(int a, int b) => a + b;

    /// <summary>Many argument types: a Guid, a record from a user JSON context, an enum, a list, an optional timestamp and decimal.</summary>
    [Task(Name = "sample.ship", Queue = "shipping", Priority = 5)]
    public static partial async Task<string> Ship(
        Guid orderId,
        Address address,
        ParcelSize size,
        List<string> items,
        CancellationToken cancellationToken,
        DateTimeOffset? notBefore = null,
        decimal weightKg = 0)
    {
        await Task.Yield();
        cancellationToken.ThrowIfCancellationRequested();
        return $"order {orderId}: {items.Count} item(s), {size}, {weightKg} kg to {address.City}" +
            (notBefore is { } time ? $" after {time:O}" : string.Empty);
    }

    /// <summary>Always fails: the job ends failed.</summary>
    [Task(Name = "sample.fail")]
    public static partial void Fail(string reason) => throw new InvalidOperationException(reason);

    /// <summary>Fails until it has run <paramref name="failures"/> times, then succeeds: retried up to 3 times, at once.</summary>
    [Task(Name = "sample.flaky", Retry = 3)]
    public static partial void Flaky(JobContext context, int failures)
    {
        if (context.Job.Attempts < failures)
        {
            throw new TimeoutException($"attempt {context.Job.Attempts + 1} of job {context.Job.Id} failed on purpose");
        }
    }

    /// <summary>Sleeps; a user abort or a shutdown past the graceful timeout stops it.</summary>
    [Task(Name = "sample.sleep")]
    public static partial Task Sleep(double seconds, CancellationToken cancellationToken) =>
        Task.Delay(TimeSpan.FromSeconds(seconds), cancellationToken);

    /// <summary>
    /// Runs once a year, on January 1st at 03:00 UTC; Procrastinate passes the tick's Unix time. (Rare on purpose: the
    /// end-to-end tests count every job a worker runs.)
    /// </summary>
    [Task(Name = "sample.tick", QueueingLock = "sample.tick")]
    [Periodic("0 3 1 1 *")]
    public static partial void Tick(long timestamp)
    {
    }
}
