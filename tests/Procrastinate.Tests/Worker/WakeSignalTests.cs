using Microsoft.Extensions.Time.Testing;

namespace Procrastinate.Tests.Workers;

public class WakeSignalTests
{
    private static readonly TimeSpan Long = TimeSpan.FromMinutes(5);
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task SetBeforeTheWait_EndsItAtOnce_AndIsUsedUp()
    {
        var signal = new WakeSignal();
        var time = new FakeTimeProvider();

        signal.Set();
        signal.Set();
        var first = signal.WaitAsync(Long, time, CancellationToken.None);
        var second = signal.WaitAsync(Long, time, CancellationToken.None);

        Assert.True(first.IsCompletedSuccessfully);
        Assert.False(second.IsCompleted);
        signal.Set();
        await second.WaitAsync(Bound);
    }

    [Fact]
    public async Task Timeout_EndsTheWaitWithoutThrowing_AndLeavesNoWakeUp()
    {
        var signal = new WakeSignal();
        var time = new FakeTimeProvider();

        var waiting = signal.WaitAsync(TimeSpan.FromSeconds(10), time, CancellationToken.None);
        time.Advance(TimeSpan.FromSeconds(9));
        Assert.False(waiting.IsCompleted);
        time.Advance(TimeSpan.FromSeconds(1));

        await waiting.WaitAsync(Bound);
        Assert.True(waiting.IsCompletedSuccessfully);
        Assert.False(signal.WaitAsync(Long, time, CancellationToken.None).IsCompleted);
    }

    [Fact]
    public async Task Cancellation_EndsTheWaitWithoutThrowing()
    {
        var signal = new WakeSignal();
        using var cts = new CancellationTokenSource();

        var waiting = signal.WaitAsync(Long, new FakeTimeProvider(), cts.Token);
        Assert.False(waiting.IsCompleted);
        await cts.CancelAsync();

        await waiting.WaitAsync(Bound);
        Assert.True(waiting.IsCompletedSuccessfully);
    }

    [Fact]
    public async Task SetAfterATimedOutWait_IsKeptForTheNextWait()
    {
        var signal = new WakeSignal();
        var time = new FakeTimeProvider();

        var waiting = signal.WaitAsync(TimeSpan.FromSeconds(1), time, CancellationToken.None);
        time.Advance(TimeSpan.FromSeconds(1));
        await waiting.WaitAsync(Bound);
        signal.Set();

        Assert.True(signal.WaitAsync(Long, time, CancellationToken.None).IsCompletedSuccessfully);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task WakeInline_GoesOnOnTheSettingThread_ElseOnTheThreadPool(bool wakeInline)
    {
        var signal = new WakeSignal(wakeInline);
        var waiter = WaitAndReportThreadAsync(signal);
        var setter = new Thread(signal.Set) { IsBackground = true };

        setter.Start();
        var (threadId, onThreadPool) = await waiter.WaitAsync(Bound);

        Assert.Equal(wakeInline, threadId == setter.ManagedThreadId);
        Assert.Equal(!wakeInline, onThreadPool);
    }

    private static async Task<(int ThreadId, bool OnThreadPool)> WaitAndReportThreadAsync(WakeSignal signal)
    {
        await signal.WaitAsync(Long, TimeProvider.System, CancellationToken.None).ConfigureAwait(false);
        return (Environment.CurrentManagedThreadId, Thread.CurrentThread.IsThreadPoolThread);
    }
}
