using Microsoft.Extensions.Logging;
using Procrastinate.PostgreSql.Tests.Infrastructure;
using Procrastinate.Storage;

namespace Procrastinate.PostgreSql.Tests.Periodic;

public sealed class PeriodicTests : PostgresTest
{
    public PeriodicTests(DatabaseFixture database)
        : base(database)
    {
    }

    [Fact]
    public async Task APerSecondTask_WithThreeWorkersForFiveSeconds_RunsOncePerTick_WithConsecutiveTimestamps()
    {
        PeriodicPgTasks.Runs.Clear();
        var app = App(TickEverySecond.Definition);
        var options = new WorkerOptions
        {
            Concurrency = 2,
            FetchJobPollingInterval = TimeSpan.FromMilliseconds(200),
            InstallSignalHandlers = false,
        };
        var workers = Enumerable.Range(0, 3).Select(i => new Worker(app, options with { Name = "w" + i })).ToList();
        var runs = workers.Select(w => w.RunAsync()).ToList();

        await Task.Delay(TimeSpan.FromSeconds(5));
        foreach (var worker in workers)
        {
            worker.Stop();
        }

        await Task.WhenAll(runs).WaitAsync(TimeSpan.FromSeconds(60));

        // A tick deferred just as the workers stopped waits for the next worker: run it without deferring more.
        var sameTaskNotPeriodic = new TaskDefinition
        {
            Name = TickEverySecond.Name,
            Invoke = TickEverySecond.Definition.Invoke,
            ValidateArgs = TickEverySecond.Definition.ValidateArgs,
        };
        await App(sameTaskNotPeriodic).RunWorkerAsync(options with { Wait = false }).WaitAsync(TimeSpan.FromSeconds(60));

        var jobs = await Store.ListJobsAsync(new JobFilter { TaskName = "tests.pg.every_second" });
        var deferred = jobs.Select(j => Timestamp(j.Args)).Order().ToList();
        Assert.True(deferred.Count >= 3, $"only {deferred.Count} tick(s) in 5 s");
        Assert.Equal(Enumerable.Range(0, deferred.Count).Select(i => deferred[0] + i), deferred);

        // Every deferred job ran exactly once, with its own tick.
        Assert.All(jobs, job => Assert.Equal(JobStatus.Succeeded, job.Status));
        var ran = PeriodicPgTasks.Runs.ToList();
        Assert.Equal(jobs.Select(j => (Timestamp(j.Args), j.Id)).Order(), ran.Order());

        // The database keeps only the latest claim of a schedule.
        Assert.Equal(deferred[^1], await Database.ScalarAsync<long>(
            "SELECT max(defer_timestamp) FROM procrastinate_periodic_defers WHERE task_name = 'tests.pg.every_second'"));
    }

    [Fact]
    public async Task ATickAnotherWorkerClaimed_IsNotDeferredAgain()
    {
        var app = App(TickEverySecond.Definition);
        var tick = DateTimeOffset.UtcNow.AddSeconds(-1).ToUnixTimeSeconds();
        var args = $$"""{"timestamp": {{tick}}}""";
        Assert.NotNull(await Store.DeferPeriodicJobAsync(app.CreateJob(TickEverySecond.Definition, args), "", tick));

        var deferrer = new PeriodicDeferrer(app, app.LoggerFactory.CreateLogger("test"));
        Assert.True(await deferrer.DeferDueTicksAsync(DateTimeOffset.FromUnixTimeSeconds(tick).AddSeconds(0.5), CancellationToken.None));

        Assert.Single(await Store.ListJobsAsync(new JobFilter { TaskName = TickEverySecond.Name }));
    }

    [Fact]
    public async Task OnceALaterTickIsClaimed_AnOlderOneIsNeverDeferred()
    {
        var app = App(TickEverySecond.Definition);
        JobToDefer JobAt(long tick) => app.CreateJob(TickEverySecond.Definition, $$"""{"timestamp": {{tick}}}""");
        Assert.NotNull(await Store.DeferPeriodicJobAsync(JobAt(100), "", 100));
        Assert.NotNull(await Store.DeferPeriodicJobAsync(JobAt(101), "", 101));

        // The database dropped the claim of 100 when 101 was claimed; a late worker must still not defer 100 again.
        Assert.Null(await Store.DeferPeriodicJobAsync(JobAt(100), "", 100));
        Assert.Null(await Store.DeferPeriodicJobAsync(JobAt(101), "", 101));
        Assert.NotNull(await Store.DeferPeriodicJobAsync(JobAt(100), "other id", 100));

        Assert.Equal(3, await Database.CountJobsAsync());
    }

    [Fact]
    public async Task AQueueingLockConflictOnATick_IsSkipped_WithoutAClaim()
    {
        var app = App(RemoveOldJobsAtFour.Definition);
        var waiting = await RemoveOldJobsAtFour.Configure(app: app).DeferAsync(timestamp: 0);
        var deferrer = new PeriodicDeferrer(app, app.LoggerFactory.CreateLogger("test"));
        var fourAm = new DateTimeOffset(DateTime.UtcNow.Date.AddHours(4), TimeSpan.Zero);

        Assert.True(await deferrer.DeferDueTicksAsync(fourAm.AddMinutes(1), CancellationToken.None));

        Assert.Equal([waiting], (await Store.ListJobsAsync(new JobFilter { TaskName = RemoveOldJobsAtFour.Name })).Select(j => j.Id));
        Assert.Equal(0, await Database.ScalarAsync<long>("SELECT count(*) FROM procrastinate_periodic_defers"));
    }

    private ProcrastinateApp App(params TaskDefinition[] tasks) =>
        new(Store, new ProcrastinateAppOptions { Tasks = new TaskRegistry(tasks) });

    private static long Timestamp(string args) =>
        System.Text.Json.JsonDocument.Parse(args).RootElement.GetProperty("timestamp").GetInt64();
}
