namespace Procrastinate.Storage;

/// <summary>Filters of the listing operations; every <see langword="null"/> member matches everything.</summary>
public sealed record JobFilter
{
    /// <summary>Matches everything.</summary>
    public static JobFilter All { get; } = new();

    /// <summary>Only this job.</summary>
    public long? Id { get; init; }

    /// <summary>Only this queue.</summary>
    public string? Queue { get; init; }

    /// <summary>Only this task name.</summary>
    public string? TaskName { get; init; }

    /// <summary>Only this status.</summary>
    public JobStatus? Status { get; init; }

    /// <summary>Only this lock.</summary>
    public string? Lock { get; init; }

    /// <summary>Only this queueing lock.</summary>
    public string? QueueingLock { get; init; }

    /// <summary>Only jobs of this worker.</summary>
    public long? WorkerId { get; init; }
}
