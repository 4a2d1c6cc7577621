using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Npgsql;
using Procrastinate.PostgreSql.Internal;
using Procrastinate.PostgreSql.Tests.Infrastructure;
using Procrastinate.Storage;

namespace Procrastinate.PostgreSql.Tests;

public sealed class TraceContextTests : PostgresTest
{
    private const string ParentA = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
    private const string ParentB = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

    public TraceContextTests(DatabaseFixture database)
        : base(database)
    {
    }

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        await Store.Schema.ApplyTraceContextTableAsync();
    }

    [Fact]
    public async Task TracedBatch_KeepsEachJobsOwnContext_AndFetchReturnsIt()
    {
        await using var store = new PostgreSqlJobStore(new PostgreSqlJobStoreOptions { ConnectionString = Database.ConnectionString, StoreTraceContext = true });
        var ids = await store.DeferJobsAsync(
        [
            Job(args: """{"n": 1}""") with { TraceParent = ParentA, TraceState = "a=1" },
            Job(args: """{"n": 2}"""),
            Job(args: """{"n": 3}""") with { TraceParent = ParentB },
        ]);

        var worker = await store.RegisterWorkerAsync();
        var fetched = (await store.FetchJobsAsync(new FetchJobsParams(worker, null, 10))).ToDictionary(j => j.Args, j => (j.Id, j.TraceParent, j.TraceState));

        Assert.Equal((ids[0], ParentA, "a=1"), fetched["""{"n": 1}"""]);
        Assert.Equal((ids[1], (string?)null, (string?)null), fetched["""{"n": 2}"""]);
        Assert.Equal((ids[2], ParentB, (string?)null), fetched["""{"n": 3}"""]);
    }

    [Fact]
    public async Task TraceContexts_AreIgnoredWhenTheOptionIsOff_AndDeletedWithTheirJob()
    {
        var untraced = await Store.DeferJobsAsync([Job() with { TraceParent = ParentA }]);
        Assert.Equal(0, await Database.ScalarAsync<long>("SELECT count(*) FROM procrastinate_dotnet_trace_contexts"));

        await using var store = new PostgreSqlJobStore(new PostgreSqlJobStoreOptions { ConnectionString = Database.ConnectionString, StoreTraceContext = true });
        var traced = await store.DeferJobsAsync([Job(queue: "other") with { TraceParent = ParentB }]);
        Assert.Equal(1, await Database.ScalarAsync<long>("SELECT count(*) FROM procrastinate_dotnet_trace_contexts"));
        Assert.Null(Assert.Single(await Store.FetchJobsAsync(new FetchJobsParams(await Store.RegisterWorkerAsync(), ["default"]))).TraceParent);

        // Python Procrastinate deletes jobs with plain SQL (or the worker's delete_job): the context goes with them.
        await Database.ExecuteAsync("DELETE FROM procrastinate_jobs WHERE id = $1", traced[0]);

        Assert.Equal(0, await Database.ScalarAsync<long>("SELECT count(*) FROM procrastinate_dotnet_trace_contexts"));
        Assert.Single(untraced);
    }

    [Fact]
    public async Task PeriodicDefer_KeepsItsTraceContext_OnlyForTheTickItDeferred_AndOnlyWithTheOptionOn()
    {
        await using var store = new PostgreSqlJobStore(new PostgreSqlJobStoreOptions { ConnectionString = Database.ConnectionString, StoreTraceContext = true });
        var id = await store.DeferPeriodicJobAsync(Job() with { TraceParent = ParentA, TraceState = "a=1" }, "", 100);

        // A tick already claimed defers nothing, so it stores no context either; nor does a store with the option off.
        Assert.Null(await store.DeferPeriodicJobAsync(Job() with { TraceParent = ParentB }, "", 100));
        Assert.NotNull(await Store.DeferPeriodicJobAsync(Job() with { TraceParent = ParentB }, "", 200));

        Assert.Equal(1, await Database.ScalarAsync<long>("SELECT count(*) FROM procrastinate_dotnet_trace_contexts"));
        var fetched = await store.FetchJobsAsync(new FetchJobsParams(await store.RegisterWorkerAsync(), null, 10));
        Assert.Equal(
            [(id!.Value, ParentA, "a=1"), (id.Value + 1, null, null)],
            fetched.Select(j => (j.Id, j.TraceParent, j.TraceState)).ToList());
    }

    [Fact]
    public async Task APeriodicTick_IsDeferredInADeferSpan_WhoseContextItsJobCarries()
    {
        var stopped = new ConcurrentQueue<Activity>();
        using var listener = ListenToProcrastinate(stopped);
        await using var store = new PostgreSqlJobStore(new PostgreSqlJobStoreOptions { ConnectionString = Database.ConnectionString, StoreTraceContext = true });
        var tick = DateTimeOffset.UtcNow.AddSeconds(-1).ToUnixTimeSeconds();

        Assert.True(await Deferrer(App(store)).DeferDueTicksAsync(DateTimeOffset.FromUnixTimeSeconds(tick).AddSeconds(0.5), CancellationToken.None));

        var job = Assert.Single(await store.FetchJobsAsync(new FetchJobsParams(await store.RegisterWorkerAsync(), null, 10)));
        Assert.NotNull(job.TraceParent);

        // Other test classes run periodic deferrers at the same time: the span is the one whose id the job carries.
        var span = Assert.Single(stopped, activity => activity.Id == job.TraceParent);
        Assert.Equal(ActivityKind.Producer, span.Kind);
        Assert.Equal("defer", span.GetTagItem("messaging.operation.name"));
        Assert.Equal(Periodic.TickEverySecond.Name, span.GetTagItem("procrastinate.task.name"));
        Assert.Equal(job.Id.ToString(CultureInfo.InvariantCulture), span.GetTagItem("messaging.message.id"));
        Assert.Null(span.GetTagItem("procrastinate.periodic.already_deferred"));
    }

    [Fact]
    public async Task APeriodicTickAnotherWorkerDeferred_LeavesASpanTaggedAlreadyDeferred_AndNoJob()
    {
        var stopped = new ConcurrentQueue<Activity>();
        using var listener = ListenToProcrastinate(stopped);
        var tick = DateTimeOffset.UtcNow.AddSeconds(-1).ToUnixTimeSeconds();
        var args = $$"""{"timestamp": {{tick}}}""";
        var app = App(Store);
        Assert.NotNull(await Store.DeferPeriodicJobAsync(app.CreateJob(Periodic.TickEverySecond.Definition, args), "", tick));

        // The test's own parent span marks the deferrer's span apart from those of tests running at the same time.
        var parent = new Activity("test").Start();
        Assert.True(await Deferrer(app).DeferDueTicksAsync(DateTimeOffset.FromUnixTimeSeconds(tick).AddSeconds(0.5), CancellationToken.None));
        parent.Stop();

        var span = Assert.Single(stopped, activity => activity.TraceId == parent.TraceId);
        Assert.Equal(true, span.GetTagItem("procrastinate.periodic.already_deferred"));
        Assert.Null(span.GetTagItem("messaging.message.id"));
        Assert.Equal(1, await Database.CountJobsAsync());
    }

    [Fact]
    public async Task EveryTraceContextQuery_PreparesOnTheServer()
    {
        await using var connection = await Store.DataSource.OpenConnectionAsync();
        Assert.Equal(3, SqlQueries.TraceContextStatements.Count);
        foreach (var (name, sql) in SqlQueries.TraceContextStatements)
        {
            await using var prepare = new NpgsqlCommand($"PREPARE check_{name} AS {sql}", connection);
            await prepare.ExecuteNonQueryAsync();
            await using var deallocate = new NpgsqlCommand($"DEALLOCATE check_{name}", connection);
            await deallocate.ExecuteNonQueryAsync();
        }
    }

    [Fact]
    public async Task TraceContextTable_LeavesTheContractCheckValid()
    {
        var result = await Store.Schema.CheckSchemaAsync();

        Assert.True(result.IsValid, string.Join("; ", result.Differences));
    }

    private static ActivityListener ListenToProcrastinate(ConcurrentQueue<Activity> stopped)
    {
        var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == Diagnostics.ProcrastinateInstrumentation.Name,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = stopped.Enqueue,
        };
        ActivitySource.AddActivityListener(listener);
        return listener;
    }

    private static ProcrastinateApp App(PostgreSqlJobStore store) =>
        new(store, new ProcrastinateAppOptions { Tasks = new TaskRegistry([Periodic.TickEverySecond.Definition]) });

    private static PeriodicDeferrer Deferrer(ProcrastinateApp app) => new(app, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);
}
