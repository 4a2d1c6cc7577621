namespace Procrastinate.Storage;

/// <summary>What <see cref="IJobStore.FetchJobsAsync"/> may take.</summary>
/// <param name="WorkerId">A registered worker id; the fetched jobs are marked as running on it.</param>
/// <param name="Queues">The queues to take from; <see langword="null"/> means every queue.</param>
/// <param name="Limit">How many jobs at most (at least 1).</param>
public sealed record FetchJobsParams(long WorkerId, IReadOnlyList<string>? Queues, int Limit = 1);
