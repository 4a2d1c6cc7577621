using Procrastinate.PostgreSql.Tests.Infrastructure;
using Procrastinate.Tests.Workers;
using Xunit.Abstractions;

namespace Procrastinate.PostgreSql.Tests.WorkerIntegration;

/// <summary>PostgreSQL restarted or stopped under a running worker (on a server of this class's own).</summary>
public sealed class ServerOutageTests : IClassFixture<DedicatedServerFixture>
{
    private readonly DedicatedServerFixture _fixture;
    private readonly ITestOutputHelper _output;

    public ServerOutageTests(DedicatedServerFixture fixture, ITestOutputHelper output)
    {
        _fixture = fixture;
        _output = output;
    }

    [Fact]
    public async Task ServerRestartedWithJobsInFlight_EveryJobSucceeds_AndNotificationsComeBack()
    {
        var storeLogs = new CapturingLoggerFactory();
        await using var store = await CreateStoreAsync(storeLogs);
        await using var harness = new WorkerHarness(store);
        long? late = null;
        var restarted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        harness.Probe.Body = async (context, cancellationToken) =>
        {
            if (context.Job.Id <= 4)
            {
                await restarted.Task.WaitAsync(cancellationToken);
            }
            else if (context.Job.Id == late)
            {
                await Task.Delay(Timeout.Infinite, cancellationToken);
            }

            await Task.Delay(Random.Shared.Next(5, 30), cancellationToken);
        };
        var ids = await Work.Configure(app: harness.App).BatchDeferAsync(Enumerable.Range(0, 12));
        var (_, run) = await harness.StartAsync(new WorkerOptions { Concurrency = 4, FetchJobPollingInterval = TimeSpan.FromMinutes(5), AbortJobPollingInterval = TimeSpan.FromMinutes(5) });
        foreach (var id in ids.Take(4))
        {
            await harness.Probe.WaitStartedAsync(id);
        }

        await _fixture.Server.RestartAsync();
        restarted.SetResult();

        await harness.WaitForStatusAsync(ids, JobStatus.Succeeded);
        Assert.All(ids, id => Assert.Equal(1, harness.Probe.RunCount(id)));
        Assert.False(run.IsCompleted);

        // The listener is back: an abort request reaches the job although the abort poller is minutes away.
        await Eventually.TrueAsync(
            () => storeLogs.Records.Any(r => r.Message == "The notification listener reconnected"), "the listener to reconnect", WorkerHarness.WaitLimit);
        late = await Work.Configure(app: harness.App).DeferAsync(99);
        await harness.Probe.WaitStartedAsync(late.Value);
        await store.CancelJobAsync(late.Value, abort: true);
        await harness.WaitForStatusAsync(late.Value, JobStatus.Aborted);
        Log(harness, storeLogs);
    }

    [Fact]
    public async Task ServerStoppedForSeconds_WorkerGoesOn_AndRecordsTheOutcomesOfJobsThatRanMeanwhile()
    {
        var storeLogs = new CapturingLoggerFactory();
        await using var store = await CreateStoreAsync(storeLogs);
        await using var harness = new WorkerHarness(store);
        var stopped = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        harness.Probe.Body = (_, cancellationToken) => stopped.Task.WaitAsync(cancellationToken);
        var ids = await Work.Configure(app: harness.App).BatchDeferAsync([1, 2]);
        var (worker, run) = await harness.StartAsync(new WorkerOptions { Concurrency = 2 });
        await harness.Probe.WaitStartedAsync(ids[0]);
        await harness.Probe.WaitStartedAsync(ids[1]);

        await _fixture.Server.StopAsync();
        try
        {
            stopped.SetResult();
            await Eventually.TrueAsync(() => harness.Probe.Ends.Count == 2, "both jobs to end while the server is down");
            await Eventually.TrueAsync(
                () => harness.Messages().Count(m => m.StartsWith("Recording the finish of job", StringComparison.Ordinal)) >= 2,
                "the worker to fail recording outcomes");
            await Task.Delay(TimeSpan.FromSeconds(2));
            Assert.False(run.IsCompleted);
            Assert.Equal(0, worker.RunningJobCount);
        }
        finally
        {
            await _fixture.Server.StartAgainAsync();
        }

        await harness.WaitForStatusAsync(ids, JobStatus.Succeeded);
        var after = await Work.Configure(app: harness.App).DeferAsync(3);
        await harness.WaitForStatusAsync(after, JobStatus.Succeeded);
        Assert.False(run.IsCompleted);
        Assert.Contains(harness.Messages(), m => m.StartsWith("Heartbeat failed", StringComparison.Ordinal) || m.StartsWith("Fetching jobs failed", StringComparison.Ordinal));
        Log(harness, storeLogs);
    }

    [Fact]
    public async Task WorkerStartedWhileTheServerIsDown_WaitsForIt_ThenWorks()
    {
        var storeLogs = new CapturingLoggerFactory();
        await using var store = await CreateStoreAsync(storeLogs);
        await using var harness = new WorkerHarness(store);
        var id = await Work.Configure(app: harness.App).DeferAsync(1);
        await _fixture.Server.StopAsync();
        Worker worker;
        Task run;
        try
        {
            (worker, run) = harness.Start();
            await Eventually.TrueAsync(
                () => harness.Messages().Any(m => m.StartsWith("Registering the worker failed", StringComparison.Ordinal)), "a failed registration");
            Assert.False(worker.Started.IsCompleted);
        }
        finally
        {
            await _fixture.Server.StartAgainAsync();
        }

        await worker.Started.WaitAsync(WorkerHarness.WaitLimit);
        await harness.WaitForStatusAsync(id, JobStatus.Succeeded);
        worker.Stop();
        await run.WaitAsync(WorkerHarness.WaitLimit);
        Log(harness, storeLogs);
    }

    private void Log(WorkerHarness harness, CapturingLoggerFactory storeLogs)
    {
        foreach (var record in harness.Logs.Records.Concat(storeLogs.Records).Where(r => r.Level >= Microsoft.Extensions.Logging.LogLevel.Warning))
        {
            _output.WriteLine($"{record.Level}: {record.Message} {record.Exception?.GetType().Name}: {record.Exception?.Message}");
        }
    }

    private async Task<PostgreSqlJobStore> CreateStoreAsync(CapturingLoggerFactory logs) =>
        new(new PostgreSqlJobStoreOptions
        {
            ConnectionString = await _fixture.CreateDatabaseAsync(),
            LoggerFactory = logs,
            ListenerReconnectDelay = TimeSpan.FromMilliseconds(100),
            ListenerMaxReconnectDelay = TimeSpan.FromSeconds(1),
        });
}
