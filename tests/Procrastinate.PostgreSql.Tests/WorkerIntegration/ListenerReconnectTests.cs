using Procrastinate.PostgreSql.Tests.Infrastructure;

namespace Procrastinate.PostgreSql.Tests.WorkerIntegration;

/// <summary>The listener's connection dies under a running worker: what was notified meanwhile is looked for at once.</summary>
public sealed class ListenerReconnectTests : PostgresTest
{
    private static readonly TimeSpan NeverPolled = TimeSpan.FromHours(1);

    public ListenerReconnectTests(DatabaseFixture database)
        : base(database)
    {
    }

    [Fact]
    public async Task JobDeferredAndAbortRequestedWhileTheListenerReconnects_AreHandledOnceItListensAgain()
    {
        await using var store = new PostgreSqlJobStore(new PostgreSqlJobStoreOptions
        {
            ConnectionString = Database.ConnectionString,
            ListenerReconnectDelay = TimeSpan.FromSeconds(1),
        });
        await using var harness = new WorkerHarness(store);
        harness.Probe.Body = (context, cancellationToken) =>
            context.Job.Id == 1 ? Task.Delay(Timeout.Infinite, cancellationToken) : Task.CompletedTask;
        var running = await Work.Configure(app: harness.App).DeferAsync(1);
        await harness.StartAsync(new WorkerOptions { FetchJobPollingInterval = NeverPolled, AbortJobPollingInterval = NeverPolled });
        await harness.Probe.WaitStartedAsync(running);
        await Eventually.TrueAsync(async () => await ListenerPidAsync() is not null, "the worker listens");

        // The listener's connection dies; what is notified before it listens again (a second later) reaches nobody.
        await Database.ExecuteAsync("SELECT pg_terminate_backend($1)", (await ListenerPidAsync())!.Value);
        var deferred = await Work.Configure(app: harness.App).DeferAsync(2);
        Assert.True(await store.CancelJobAsync(running, abort: true));

        await harness.WaitForStatusAsync(deferred, JobStatus.Succeeded);
        await harness.WaitForStatusAsync(running, JobStatus.Aborted);
        Assert.Contains(harness.Probe.Ends, end => end == (running, AbortReason.UserRequest));
    }

    private Task<int?> ListenerPidAsync() => Database.ScalarAsync<int?>(
        "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'LISTEN%' LIMIT 1");
}
