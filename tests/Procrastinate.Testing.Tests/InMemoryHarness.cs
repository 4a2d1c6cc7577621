using Microsoft.Extensions.Time.Testing;
using Procrastinate.Storage;
using Procrastinate.StoreContract;
using Procrastinate.Testing.InMemory;

namespace Procrastinate.Testing.Tests;

/// <summary>The in-memory store under contract, on a fake clock that <see cref="AdvanceTimeAsync"/> moves.</summary>
public sealed class InMemoryHarness : IStoreHarness
{
    private static readonly DateTimeOffset Start = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    private FakeTimeProvider _clock = new(Start);
    private InMemoryJobStore _store;

    public InMemoryHarness()
    {
        _store = new InMemoryJobStore(_clock);
    }

    public IJobStore Store => _store;

    public TimeProvider Clock => _clock;

    public Task ResetAsync()
    {
        _clock = new FakeTimeProvider(Start);
        _store = new InMemoryJobStore(_clock);
        return Task.CompletedTask;
    }

    public Task<DateTimeOffset> NowAsync() => Task.FromResult(_clock.GetUtcNow());

    public Task AdvanceTimeAsync(TimeSpan duration)
    {
        _clock.Advance(duration);
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<JobEvent>> EventsAsync(long jobId) => Task.FromResult(_store.GetEvents(jobId));

    public Task<IReadOnlyList<WorkerRegistration>> WorkersAsync() => Task.FromResult(_store.GetWorkers());

    public Task<IReadOnlyList<PeriodicClaim>> PeriodicClaimsAsync() => Task.FromResult(_store.GetPeriodicClaims());
}
