namespace Procrastinate;

/// <summary>
/// A debounced wake-up: any number of <see cref="Set"/> calls before a wait collapse into one wake-up.
/// </summary>
internal sealed class WakeSignal
{
    private TaskCompletionSource _source = NewSource();

    /// <summary>Wakes the current or next waiter.</summary>
    public void Set() => Volatile.Read(ref _source).TrySetResult();

    /// <summary>
    /// Waits until <see cref="Set"/> is called (or was called since the last wait), <paramref name="timeout"/>
    /// elapses, or <paramref name="cancellationToken"/> fires; never throws on cancellation.
    /// </summary>
    public async Task WaitAsync(TimeSpan timeout, TimeProvider timeProvider, CancellationToken cancellationToken)
    {
        var source = Volatile.Read(ref _source);
        if (!source.Task.IsCompleted)
        {
            using var delayCts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var delay = Task.Delay(timeout, timeProvider, delayCts.Token);
            await Task.WhenAny(source.Task, delay).ConfigureAwait(false);
            await delayCts.CancelAsync().ConfigureAwait(false);
        }

        // Consume the wake-up only if it was this one; a Set racing with the swap is kept for the next wait.
        if (source.Task.IsCompleted)
        {
            Interlocked.CompareExchange(ref _source, NewSource(), source);
        }
    }

    private static TaskCompletionSource NewSource() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
