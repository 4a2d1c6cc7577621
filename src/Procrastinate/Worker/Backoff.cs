namespace Procrastinate;

/// <summary>Growing, jittered delays between retries of a failing store call: 0.5 s doubling up to 30 s.</summary>
internal struct Backoff
{
    private static readonly TimeSpan First = TimeSpan.FromMilliseconds(500);
    private static readonly TimeSpan Max = TimeSpan.FromSeconds(30);
    private int _failures;

    /// <summary>The number of failures since the last success.</summary>
    public readonly int Failures => _failures;

    /// <summary>Forgets past failures.</summary>
    public void Reset() => _failures = 0;

    /// <summary>Counts a failure and returns how long to wait before trying again.</summary>
    public TimeSpan Next()
    {
        var exponent = Math.Min(_failures, 16);
        _failures++;
        var ticks = Math.Min(First.Ticks * (1L << exponent), Max.Ticks);
        return Jitter(TimeSpan.FromTicks(ticks));
    }

    /// <summary><paramref name="value"/> spread by ±10 % so that workers do not act in lockstep.</summary>
    public static TimeSpan Jitter(TimeSpan value) =>
        TimeSpan.FromTicks((long)(value.Ticks * (0.9 + (Random.Shared.NextDouble() * 0.2))));

    /// <summary>Waits <paramref name="delay"/>; returns early, without throwing, when <paramref name="cancellationToken"/> fires.</summary>
    public static async Task DelayAsync(TimeSpan delay, TimeProvider time, CancellationToken cancellationToken)
    {
        try
        {
            await Task.Delay(delay, time, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }
    }
}
