using Procrastinate.PostgreSql.Tests.Infrastructure;
using Procrastinate.Storage;
using Procrastinate.TestWorker;

namespace Procrastinate.PostgreSql.Tests.WorkerIntegration;

/// <summary>
/// <see cref="WorkerOptions.Concurrency"/> blocking (synchronous) tasks run side by side, however few threads the
/// thread pool holds (issue 18, item 5).
/// </summary>
public sealed class BlockingConcurrencyTests : PostgresTest
{
    public BlockingConcurrencyTests(DatabaseFixture database)
        : base(database)
    {
    }

    [Fact]
    public async Task ConcurrencyBlockingTasks_AllRunAtOnce_WithAThreadPoolSmallerThanConcurrency()
    {
        // More blocking runs than the pool has threads: each run waits (bounded) until all have started, so they succeed
        // only if they overlapped, whatever the timing.
        var parties = Environment.ProcessorCount + 3;
        using var child = WorkerProcess.Start(Database.ConnectionString, TimeSpan.FromSeconds(1), new Dictionary<string, string>
        {
            ["CONCURRENCY"] = parties.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["POOL_MAX_THREADS"] = (Environment.ProcessorCount + 1).ToString(System.Globalization.CultureInfo.InvariantCulture),
        });
        await child.WaitForLineAsync("worker ");
        var app = new ProcrastinateApp(Store, new ProcrastinateAppOptions { Tasks = new TaskRegistry([Overlap.Definition]) });
        var ids = await Overlap.Configure(app: app).BatchDeferAsync(Enumerable.Repeat(parties, parties));

        await Eventually.TrueAsync(
            async () => (await Store.ListJobsAsync(new JobFilter { TaskName = "testworker.overlap" }))
                .All(j => j.Status is JobStatus.Succeeded or JobStatus.Failed),
            "the blocking jobs to end",
            OverlapTasks.BarrierLimit + TimeSpan.FromSeconds(30));

        var statuses = (await Store.ListJobsAsync(new JobFilter { TaskName = "testworker.overlap" })).Select(j => j.Status).ToList();
        Assert.True(
            statuses.All(s => s == JobStatus.Succeeded),
            $"{statuses.Count(s => s == JobStatus.Succeeded)} of {parties} overlapped. Output:{Environment.NewLine}{child.Output}");
        Assert.Equal(parties, ids.Count);
        Assert.Equal(0, await child.TerminateAsync(TimeSpan.FromSeconds(60)));
    }
}
