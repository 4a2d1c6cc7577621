using Procrastinate.Storage;

namespace Procrastinate.StoreContract;

/// <summary>
/// One store under contract, with the few things the contract needs to see or do that <see cref="IJobStore"/> does
/// not offer: the events, workers and periodic claims it holds, its clock, and a way to let time pass.
/// </summary>
public interface IStoreHarness
{
    /// <summary>The store under test.</summary>
    IJobStore Store { get; }

    /// <summary>The clock an app over this store should use (the store's own when it has one).</summary>
    TimeProvider Clock { get; }

    /// <summary>Empties the store: no job, worker, event or claim, and ids start again at 1.</summary>
    Task ResetAsync();

    /// <summary>The store's current time: what it compares schedules, heartbeats and event times with.</summary>
    Task<DateTimeOffset> NowAsync();

    /// <summary>
    /// Lets <paramref name="duration"/> pass for the store: every later comparison of a stored time with the store's
    /// now behaves as if that much time had gone by. A store whose clock cannot be moved (PostgreSQL's <c>now()</c>)
    /// moves every stored time back by <paramref name="duration"/> instead, which no comparison with now can tell
    /// apart; so tests compare stored times with <see cref="NowAsync"/>, never with fixed instants, after moving time.
    /// </summary>
    Task AdvanceTimeAsync(TimeSpan duration);

    /// <summary>The events of a job, in the order they were recorded.</summary>
    Task<IReadOnlyList<JobEvent>> EventsAsync(long jobId);

    /// <summary>The registered workers, by id.</summary>
    Task<IReadOnlyList<WorkerRegistration>> WorkersAsync();

    /// <summary>The periodic claims, oldest first.</summary>
    Task<IReadOnlyList<PeriodicClaim>> PeriodicClaimsAsync();
}
