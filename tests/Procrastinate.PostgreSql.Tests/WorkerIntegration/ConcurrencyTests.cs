using Procrastinate.PostgreSql.Tests.Infrastructure;

namespace Procrastinate.PostgreSql.Tests.WorkerIntegration;

public sealed class ConcurrencyTests : PostgresTest
{
    private const int Jobs = 40;

    public ConcurrencyTests(DatabaseFixture database)
        : base(database)
    {
    }

    [Theory]
    [InlineData(1, 3)]
    [InlineData(2, 3)]
    public async Task ManyJobs_NeverMoreThanConcurrencyAtOnce_EachRunsExactlyOnce(int workers, int concurrency)
    {
        await using var harness = new WorkerHarness(Store);
        HoldUntilFull(harness.Probe, workers * concurrency);
        var ids = await Work.Configure(app: harness.App).BatchDeferAsync(Enumerable.Range(0, Jobs));
        for (var i = 0; i < workers; i++)
        {
            await harness.StartAsync(new WorkerOptions { Name = $"w{i}", Concurrency = concurrency });
        }

        await harness.WaitForStatusAsync(ids, JobStatus.Succeeded);

        Assert.Equal(ids.Order(), harness.Probe.Runs.Select(r => r.JobId).Order());
        Assert.Equal(workers * concurrency, harness.Probe.MaxRunning);
        Assert.All(harness.Probe.MaxRunningPerWorker, pair => Assert.Equal(concurrency, pair.Value));
        Assert.Equal(workers, harness.Probe.MaxRunningPerWorker.Count);
        Assert.Equal(Jobs, await Database.ScalarAsync<long>("SELECT count(*) FROM procrastinate_jobs WHERE status = 'succeeded' AND attempts = 1"));
        Assert.Equal(Jobs, await Database.ScalarAsync<long>("SELECT count(*) FROM procrastinate_events WHERE type = 'started'"));
    }

    [Fact]
    public async Task WorkerOnSomeQueues_RunsOnlyTheirJobs()
    {
        await using var harness = new WorkerHarness(Store);
        var email = await Work.Configure(queue: "emails", app: harness.App).DeferAsync(1);
        var report = await Work.Configure(queue: "reports", app: harness.App).DeferAsync(2);
        var other = await Work.Configure(app: harness.App).DeferAsync(3);

        await harness.StartAsync(new WorkerOptions { Queues = ["emails", "reports"], Concurrency = 4 });
        var late = await Work.Configure(queue: "emails", app: harness.App).DeferAsync(4);

        await harness.WaitForStatusAsync([email, report, late], JobStatus.Succeeded);
        Assert.Equal(JobStatus.Todo, await harness.StatusAsync(other));
    }

    /// <summary>
    /// The first jobs wait (up to a bound) until <paramref name="slots"/> run at once, so that reaching the limit does
    /// not depend on timing; the rest sleep briefly at random.
    /// </summary>
    private static void HoldUntilFull(Probe probe, int slots)
    {
        var full = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        probe.Body = async (_, cancellationToken) =>
        {
            if (probe.MaxRunning >= slots)
            {
                full.TrySetResult();
            }

            await Task.WhenAny(full.Task, Task.Delay(TimeSpan.FromSeconds(10), cancellationToken));
            full.TrySetResult();
            await Task.Delay(Random.Shared.Next(5, 30), cancellationToken);
        };
    }
}
