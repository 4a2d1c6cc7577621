namespace Procrastinate.Tests.Workers;

public class JobThreadsTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Run_StartsTheJobOnAJobThread_AndCompletesWithIt()
    {
        using var threads = new JobThreads(2, "test");
        string? threadName = null;

        await threads.Run(() =>
        {
            threadName = Thread.CurrentThread.Name;
            return Task.CompletedTask;
        }).WaitAsync(Bound);

        Assert.Equal("Procrastinate job thread (test)", threadName);
        var failing = threads.Run(() => throw new InvalidOperationException("boom"));
        var exception = await Assert.ThrowsAsync<InvalidOperationException>(() => failing.WaitAsync(Bound));
        Assert.Equal("boom", exception.Message);
    }

    [Fact]
    public async Task Starting_CountsStartsUntilTheyEndOrYield_AndNoMoreThanMaxRunAtOnce()
    {
        using var threads = new JobThreads(2, "test");
        using var release = new ManualResetEventSlim();
        var entered = 0;
        Task Blocking()
        {
            Interlocked.Increment(ref entered);
            release.Wait(Bound);
            return Task.CompletedTask;
        }

        var runs = new[] { threads.Run(Blocking), threads.Run(Blocking), threads.Run(Blocking) };
        await Eventually.TrueAsync(() => Volatile.Read(ref entered) == 2, "two blocking starts");

        Assert.Equal(3, threads.Starting);
        Assert.Equal(2, Volatile.Read(ref entered));
        release.Set();
        await Task.WhenAll(runs).WaitAsync(Bound);
        Assert.Equal(3, entered);

        // A run's task completes inside its start, just before the start is counted out.
        await Eventually.TrueAsync(() => threads.Starting == 0, "no start left");
    }

    [Fact]
    public async Task WaitUntilNoneStarting_GoesOnOnTheJobThreadThatEndedTheLastStart()
    {
        using var threads = new JobThreads(1, "test");
        using var release = new ManualResetEventSlim();
        var blocked = threads.Run(() =>
        {
            release.Wait(Bound);
            return Task.CompletedTask;
        });

        var waiter = WaitAndReportThreadAsync(threads);
        Assert.False(waiter.IsCompleted);
        release.Set();

        Assert.Equal("Procrastinate job thread (test)", await waiter.WaitAsync(Bound));
        await blocked.WaitAsync(Bound);
    }

    private static async Task<string?> WaitAndReportThreadAsync(JobThreads threads)
    {
        await threads.WaitUntilNoneStartingAsync(Bound, TimeProvider.System, CancellationToken.None).ConfigureAwait(false);
        return Thread.CurrentThread.Name;
    }
}
