using System.Diagnostics;
using Procrastinate.PostgreSql.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Procrastinate.PostgreSql.Tests.WorkerIntegration;

public sealed class AbortTests : PostgresTest
{
    private static readonly TimeSpan NeverPolled = TimeSpan.FromMinutes(5);
    private readonly ITestOutputHelper _output;

    public AbortTests(DatabaseFixture database, ITestOutputHelper output)
        : base(database)
    {
        _output = output;
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task AbortOfARunningJob_WithNotify_EndsAbortedLongBeforeAnyPoll_AndIsNotRetried(bool pollsShouldAbort)
    {
        await using var harness = new WorkerHarness(Store);
        harness.Probe.Body = pollsShouldAbort ? PollShouldAbortAsync : WaitForCancellationAsync;
        var id = await WorkWithRetries.Configure(app: harness.App).DeferAsync(1);
        await harness.StartAsync(new WorkerOptions { AbortJobPollingInterval = NeverPolled });
        await harness.Probe.WaitStartedAsync(id);

        var elapsed = await AbortAsync(harness, id);

        // With the abort poller minutes away, only the notification can have reached the worker this soon.
        _output.WriteLine($"aborted {elapsed.TotalMilliseconds:0} ms after the request (NOTIFY)");
        Assert.True(elapsed < NeverPolled / 10, $"took {elapsed}");
        Assert.Equal((id, AbortReason.UserRequest), Assert.Single(harness.Probe.Ends));
        Assert.Equal(1, (await GetJobAsync(id)).Attempts);
        Assert.Equal(["deferred", "started", "abort_requested", "aborted"], await Database.EventsAsync(id));
    }

    [Fact]
    public async Task AbortOfARunningJob_WithoutNotify_IsFoundByThePoller()
    {
        await using var harness = new WorkerHarness(Store);
        harness.Probe.Body = WaitForCancellationAsync;
        var id = await Work.Configure(app: harness.App).DeferAsync(1);
        await harness.StartAsync(new WorkerOptions { ListenNotify = false, AbortJobPollingInterval = TimeSpan.FromSeconds(1) });
        await harness.Probe.WaitStartedAsync(id);

        var elapsed = await AbortAsync(harness, id);

        _output.WriteLine($"aborted {elapsed.TotalMilliseconds:0} ms after the request (polling every 1 s)");
        Assert.Equal((id, AbortReason.UserRequest), Assert.Single(harness.Probe.Ends));
        Assert.Contains(harness.Messages(), m => m == $"Aborting job {id}: UserRequest");
    }

    private static async Task<TimeSpan> AbortAsync(WorkerHarness harness, long id)
    {
        var stopwatch = Stopwatch.StartNew();
        Assert.True(await harness.Store.CancelJobAsync(id, abort: true));
        await harness.WaitForStatusAsync(id, JobStatus.Aborted);
        return stopwatch.Elapsed;
    }

    private static Task WaitForCancellationAsync(JobContext context, CancellationToken cancellationToken) =>
        Task.Delay(Timeout.Infinite, cancellationToken);

    /// <summary>What a synchronous task does: poll <see cref="JobContext.ShouldAbort"/>, then throw.</summary>
    private static async Task PollShouldAbortAsync(JobContext context, CancellationToken cancellationToken)
    {
        while (!context.ShouldAbort)
        {
            await Task.Delay(10, CancellationToken.None);
        }

        throw new JobAbortedException();
    }
}
