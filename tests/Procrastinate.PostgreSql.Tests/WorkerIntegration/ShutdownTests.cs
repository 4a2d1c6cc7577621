using Procrastinate.PostgreSql.Tests.Infrastructure;

namespace Procrastinate.PostgreSql.Tests.WorkerIntegration;

public sealed class ShutdownTests : PostgresTest
{
    public ShutdownTests(DatabaseFixture database)
        : base(database)
    {
    }

    [Theory]
    [InlineData(false, JobStatus.Aborted)]
    [InlineData(true, JobStatus.Todo)]
    public async Task GracefulShutdownWithATimeout_FastJobSucceeds_SlowJobAbortedOrBackInTodo(bool slowHasRetries, JobStatus slowStatus)
    {
        await using var harness = new WorkerHarness(Store);
        var stopRequested = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var fast = await Work.Configure(app: harness.App).DeferAsync(1);
        var slow = slowHasRetries
            ? await WorkWithRetries.Configure(app: harness.App).DeferAsync(2)
            : await Work.Configure(app: harness.App).DeferAsync(2);
        harness.Probe.Body = async (context, cancellationToken) =>
        {
            // Both jobs outlive the stop request; only the fast one ends before the graceful timeout.
            await stopRequested.Task.WaitAsync(cancellationToken);
            if (context.Job.Id == slow)
            {
                await Task.Delay(Timeout.Infinite, cancellationToken);
            }
        };
        var (worker, run) = await harness.StartAsync(new WorkerOptions { Concurrency = 2, ShutdownGracefulTimeout = TimeSpan.FromSeconds(1) });
        await harness.Probe.WaitStartedAsync(fast);
        await harness.Probe.WaitStartedAsync(slow);

        worker.Stop();
        stopRequested.SetResult();
        await run.WaitAsync(WorkerHarness.WaitLimit);

        Assert.Equal(JobStatus.Succeeded, await harness.StatusAsync(fast));
        Assert.Equal(slowStatus, await harness.StatusAsync(slow));
        Assert.Contains((slow, (AbortReason?)AbortReason.Shutdown), harness.Probe.Ends);
        Assert.Equal(1, (await GetJobAsync(slow)).Attempts);
        Assert.Equal(0, await Database.ScalarAsync<long>("SELECT count(*) FROM procrastinate_workers"));
        Assert.Contains(harness.Messages(), m => m.StartsWith("Graceful timeout of 1 s reached: aborting 1 running job(s)", StringComparison.Ordinal));
    }
}
