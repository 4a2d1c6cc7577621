namespace Procrastinate;

/// <summary>
/// A debounced wake-up: any number of <see cref="Set"/> calls before a wait collapse into one wake-up.
/// </summary>
internal sealed class WakeSignal
{
    private readonly bool _wakeInline;
    private TaskCompletionSource _source;

    /// <param name="wakeInline">
    /// Whether the waiter goes on on the thread that calls <see cref="Set"/> (inside the call) rather than on the thread
    /// pool: one thread hop less per wake-up. Only for a signal whose every <see cref="Set"/> is called with no lock held,
    /// from a thread that may run the waiter's code for a while.
    /// </param>
    public WakeSignal(bool wakeInline = false)
    {
        _wakeInline = wakeInline;
        _source = NewSource();
    }

    /// <summary>Wakes the current or next waiter.</summary>
    public void Set() => Volatile.Read(ref _source).TrySetResult();

    /// <summary>
    /// Waits until <see cref="Set"/> is called (or was called since the last wait), <paramref name="timeout"/>
    /// elapses, or <paramref name="cancellationToken"/> fires; never throws on cancellation.
    /// </summary>
    public Task WaitAsync(TimeSpan timeout, TimeProvider timeProvider, CancellationToken cancellationToken)
    {
        var source = Volatile.Read(ref _source);
        if (source.Task.IsCompleted)
        {
            Consume(source);
            return Task.CompletedTask;
        }

        return WaitForAsync(source, timeout, timeProvider, cancellationToken);
    }

    private async Task WaitForAsync(TaskCompletionSource source, TimeSpan timeout, TimeProvider timeProvider, CancellationToken cancellationToken)
    {
        // One timer and no exception thrown: the timeout and the cancellation end the wait like a wake-up does.
        await source.Task.WaitAsync(timeout, timeProvider, cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        if (source.Task.IsCompleted)
        {
            Consume(source);
        }
    }

    /// <summary>Takes the wake-up only if it was this one; a Set racing with the swap is kept for the next wait.</summary>
    private void Consume(TaskCompletionSource source) => Interlocked.CompareExchange(ref _source, NewSource(), source);

    private TaskCompletionSource NewSource() =>
        new(_wakeInline ? TaskCreationOptions.None : TaskCreationOptions.RunContinuationsAsynchronously);
}
