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

    /// <summary>
    /// Only jobs with a larger id: with <see cref="Limit"/>, keyset paging of <c>ListJobsAsync</c> (pass the last id
    /// of a page to get the next). The counting operations ignore it.
    /// </summary>
    public long? AfterId { get; init; }

    /// <summary>
    /// Only jobs with a smaller id: with <see cref="Descending"/> and <see cref="Limit"/>, keyset paging from the newest
    /// job (pass the last id of a page to get the next). The counting operations ignore it.
    /// </summary>
    public long? BeforeId { get; init; }

    /// <summary>
    /// <c>ListJobsAsync</c> returns the largest ids first (and <see cref="Limit"/> keeps the largest). The counting
    /// operations ignore it.
    /// </summary>
    public bool Descending { get; init; }

    /// <summary>
    /// At most this many jobs, the first ones in listing order (at least 1). Only <c>ListJobsAsync</c> reads it; the
    /// counting operations ignore it.
    /// </summary>
    public int? Limit { get; init; }

    /// <summary>The stores' check of a listing's filter: not null, and a <see cref="Limit"/> of at least 1.</summary>
    internal static void ThrowIfInvalidListing(JobFilter filter)
    {
        ArgumentNullException.ThrowIfNull(filter);
        if (filter.Limit is { } limit)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1, "filter.Limit");
        }
    }
}
