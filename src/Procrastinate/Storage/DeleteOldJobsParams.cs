namespace Procrastinate.Storage;

/// <summary>Which finished jobs <see cref="IJobStore.DeleteOldJobsAsync"/> removes.</summary>
/// <param name="MaxAge">A job goes when its latest event is older than this.</param>
/// <param name="Queue">Only this queue, or every queue when <see langword="null"/>.</param>
/// <param name="IncludeFailed">Also remove failed jobs (succeeded ones always go).</param>
/// <param name="IncludeCancelled">Also remove cancelled jobs.</param>
/// <param name="IncludeAborted">Also remove aborted jobs.</param>
public sealed record DeleteOldJobsParams(
    TimeSpan MaxAge,
    string? Queue = null,
    bool IncludeFailed = false,
    bool IncludeCancelled = false,
    bool IncludeAborted = false);
