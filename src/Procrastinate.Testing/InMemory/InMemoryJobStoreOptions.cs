using Microsoft.Extensions.Logging;

namespace Procrastinate.Testing.InMemory;

/// <summary>How an <see cref="InMemoryJobStore"/> is set up.</summary>
public sealed record InMemoryJobStoreOptions
{
    /// <summary>
    /// The store's clock, the PostgreSQL server's <c>now()</c>: schedules, heartbeats and event times read it. Give the
    /// app the same one (<see cref="ProcrastinateAppOptions.TimeProvider"/>), a <c>FakeTimeProvider</c> to move time
    /// in tests. <see cref="TimeProvider.System"/> when unset.
    /// </summary>
    public TimeProvider? TimeProvider { get; init; }

    /// <summary>Where the store logs (a notification callback that threw, at Warning); none when unset.</summary>
    public ILoggerFactory? LoggerFactory { get; init; }
}
