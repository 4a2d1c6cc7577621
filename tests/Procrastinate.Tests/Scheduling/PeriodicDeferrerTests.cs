using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using Procrastinate.Testing.InMemory;
using Procrastinate.Tests.Workers;

namespace Procrastinate.Tests.Scheduling;

public class PeriodicDeferrerTests
{
    private static readonly DateTimeOffset Noon = new(2024, 1, 1, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task FirstPass_DefersOnlyTheLatestPastTick_WithItsTimestamp()
    {
        var setup = new Setup(EverySecond.Definition);

        Assert.True(await setup.PassAsync(Noon.AddSeconds(3.5)));

        var (job, periodicId, timestamp, _) = Assert.Single(setup.Store.Deferred);
        Assert.Equal(Noon.AddSeconds(3).ToUnixTimeSeconds(), timestamp);
        Assert.Equal(("tests.every_second", "default", ""), (job.TaskName, job.Queue, periodicId));
        Assert.Equal($$"""{"timestamp":{{timestamp}}}""", job.Args);
        EverySecond.Definition.ValidateArgs(job.Args);
    }

    [Fact]
    public async Task LaterPasses_DeferEveryTickSinceTheLast_EachOnce()
    {
        var setup = new Setup(EverySecond.Definition);

        await setup.PassAsync(Noon.AddSeconds(3.5));
        await setup.PassAsync(Noon.AddSeconds(7.2));
        await setup.PassAsync(Noon.AddSeconds(7.9));

        Assert.Equal(Seconds(3, 4, 5, 6, 7), setup.Store.Timestamps("tests.every_second"));
    }

    [Fact]
    public async Task FirstPass_SkipsTheLatestTickWhenOlderThanTheMaxDelay()
    {
        var late = new Setup(Labelled.Definition);
        var inTime = new Setup(Labelled.Definition);

        await late.PassAsync(Noon.Date.AddHours(4).AddMinutes(10).AddSeconds(1));
        await inTime.PassAsync(Noon.Date.AddHours(4).AddMinutes(10));

        Assert.Empty(late.Store.Deferred);
        Assert.Contains(late.Logs.Records, r => r.Message.Contains("older than the maximum delay", StringComparison.Ordinal));
        var (job, periodicId, _, _) = Assert.Single(inTime.Store.Deferred);
        Assert.Equal("four", periodicId);
        Assert.Equal("at four", JsonDocument.Parse(job.Args).RootElement.GetProperty("label").GetString());
    }

    [Fact]
    public async Task AfterAStoreOutage_DueTicksAreRetried_AndTicksOlderThanTheMaxDelaySkipped()
    {
        var setup = new Setup(TimeSpan.FromSeconds(5), EverySecond.Definition);
        await setup.PassAsync(Noon.AddSeconds(0.5));
        setup.Store.Down = true;

        Assert.False(await setup.PassAsync(Noon.AddSeconds(3.5)));
        Assert.False(await setup.PassAsync(Noon.AddSeconds(20.5)));
        setup.Store.Down = false;
        Assert.True(await setup.PassAsync(Noon.AddSeconds(30.5)));

        Assert.Equal(Seconds(0, 26, 27, 28, 29, 30), setup.Store.Timestamps("tests.every_second"));
        // Ticks 1 to 15 went too old during the outage, 16 to 25 by the time the store was back.
        Assert.Contains(setup.Logs.Records, r => r.Level == LogLevel.Warning
            && r.Message.Contains("missed 15 tick(s)", StringComparison.Ordinal));
        Assert.Contains(setup.Logs.Records, r => r.Level == LogLevel.Warning
            && r.Message.Contains("missed 10 tick(s)", StringComparison.Ordinal));
        Assert.Contains(setup.Logs.Records, r => r.Level == LogLevel.Warning && r.Exception is TimeoutException);
    }

    [Fact]
    public async Task AStoreOutageShorterThanTheMaxDelay_LosesNoTick()
    {
        var setup = new Setup(EverySecond.Definition);
        await setup.PassAsync(Noon.AddSeconds(0.5));
        setup.Store.Down = true;
        await setup.PassAsync(Noon.AddSeconds(2.5));
        setup.Store.Down = false;

        await setup.PassAsync(Noon.AddSeconds(4.5));

        Assert.Equal(Seconds(0, 1, 2, 3, 4), setup.Store.Timestamps("tests.every_second"));
    }

    [Fact]
    public async Task AQueueingLockConflict_IsLoggedAndTheTickSkipped_NeverFatal()
    {
        var setup = new Setup(LockedEverySecond.Definition);
        setup.Store.TakenLocks["locked"] = true;

        Assert.True(await setup.PassAsync(Noon.AddSeconds(1.5)));
        setup.Store.TakenLocks.Clear();
        Assert.True(await setup.PassAsync(Noon.AddSeconds(2.5)));

        Assert.Equal(Seconds(2), setup.Store.Timestamps("tests.locked"));
        var warning = Assert.Single(setup.Logs.Records, r => r.Message.Contains("queueing lock", StringComparison.Ordinal));
        Assert.Equal(LogLevel.Warning, warning.Level);
        Assert.Contains("'locked'", warning.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ATickAnotherWorkerDeferred_IsNotDeferredAgain()
    {
        var setup = new Setup(EverySecond.Definition);
        setup.Store.Claim("tests.every_second", "", Noon.AddSeconds(1).ToUnixTimeSeconds());

        await setup.PassAsync(Noon.AddSeconds(1.5));
        await setup.PassAsync(Noon.AddSeconds(2.5));

        Assert.Equal(Seconds(2), setup.Store.Timestamps("tests.every_second"));
        Assert.Equal(2, setup.Store.Calls);
    }

    [Fact]
    public async Task ATaskWithoutATimestampParameter_StillGetsAndAcceptsIt()
    {
        var setup = new Setup(EveryMinuteWithoutTimestamp.Definition);

        await setup.PassAsync(Noon.AddSeconds(30));

        var job = Assert.Single(setup.Store.Deferred).Job;
        Assert.Equal($$"""{"timestamp":{{Noon.ToUnixTimeSeconds()}}}""", job.Args);
        EveryMinuteWithoutTimestamp.Definition.ValidateArgs(job.Args);
        Assert.Throws<TaskArgumentsException>(() => EveryMinuteWithoutTimestamp.Definition.ValidateArgs("""{"other": 1}"""));
    }

    [Fact]
    public async Task SeveralSchedulesOfATask_DeferWithTheirOwnIdsAndArguments()
    {
        var setup = new Setup(TimeSpan.FromHours(2), Labelled.Definition);

        await setup.PassAsync(Noon.Date.AddHours(5).AddMinutes(1));

        Assert.Equal(
            [("four", "at four"), ("five", "at five")],
            setup.Store.Deferred.Select(d => (d.PeriodicId, JsonDocument.Parse(d.Job.Args).RootElement.GetProperty("label").GetString())));
    }

    [Fact]
    public void SchedulesThatCannotRun_AreLoggedAsErrors_AndTheOthersRun()
    {
        var generated = BadArgs.Definition;
        var badArgs = new TaskDefinition
        {
            Name = generated.Name,
            Invoke = generated.Invoke,
            ValidateArgs = generated.ValidateArgs,
            Periodic =
            [
                new PeriodicSchedule("* * * * *", Args: """{"unknown": 1}"""),
                new PeriodicSchedule("* * * * *", "timestamp", """{"timestamp": 1}"""),
                new PeriodicSchedule("* * * * *", "zone", TimeZone: "Nowhere/Atlantis"),
            ],
        };
        var setup = new Setup(badArgs, EverySecond.Definition);

        Assert.Equal(1, setup.Deferrer.ScheduleCount);
        var errors = setup.Logs.Records.Where(r => r.Level == LogLevel.Error).Select(r => r.Message).ToList();
        Assert.Equal(3, errors.Count);
        Assert.Contains(errors, m => m.Contains("unknown", StringComparison.Ordinal));
        Assert.Contains(errors, m => m.Contains("cannot set 'timestamp'", StringComparison.Ordinal));
        Assert.Contains(errors, m => m.Contains("Nowhere/Atlantis", StringComparison.Ordinal));
    }

    [Fact]
    public void TheDelayToTheNextPass_IsTheNextTickOfAnySchedulePlusTheMargin_AtMostAnHour()
    {
        Assert.Equal(TimeSpan.FromSeconds(1.3), new Setup(EverySecond.Definition, Labelled.Definition).Deferrer.DelayToNextTick(Noon.AddSeconds(3.2)));
        Assert.Equal(TimeSpan.FromMinutes(30) + PeriodicDeferrer.Margin,
            new Setup(Labelled.Definition).Deferrer.DelayToNextTick(Noon.Date.AddHours(3.5)));
        Assert.Equal(PeriodicDeferrer.MaxSleep, new Setup(Labelled.Definition).Deferrer.DelayToNextTick(Noon));
    }

    [Fact]
    public async Task TheLoop_FollowsTheAppsClock()
    {
        var time = new FakeTimeProvider(Noon.AddSeconds(0.2));
        var setup = new Setup(time, TimeSpan.FromMinutes(10), EverySecond.Definition);
        using var cts = new CancellationTokenSource();
        var run = setup.Deferrer.RunAsync(cts.Token);

        await Eventually.TrueAsync(() => setup.Store.Deferred.Count == 1, "the first tick");

        // Small steps: the loop may register its timer a little after a step, which only delays it.
        await Eventually.TrueAsync(
            async () =>
            {
                time.Advance(TimeSpan.FromMilliseconds(100));
                await Task.Delay(5);
                return setup.Store.Deferred.Count >= 4;
            },
            "three more ticks");
        await cts.CancelAsync();
        await run.WaitAsync(WorkerTestKit.WaitLimit);

        var timestamps = setup.Store.Timestamps("tests.every_second");
        Assert.Equal(Seconds([.. Enumerable.Range(0, timestamps.Count)]), timestamps);
        Assert.True(time.GetUtcNow() < Noon.AddSeconds(timestamps.Count + 1), "no pass came late");
    }

    [Fact]
    public async Task WithoutPeriodicTasks_TheLoopLogsAndEnds()
    {
        var setup = new Setup();

        await setup.Deferrer.RunAsync(CancellationToken.None).WaitAsync(WorkerTestKit.WaitLimit);

        Assert.Contains(setup.Logs.Records, r => r.Message.Contains("No periodic task", StringComparison.Ordinal));
    }

    [Fact]
    public async Task EveryWorker_RunsTheDeferrer_WhateverItsQueues()
    {
        var store = new PeriodicStore();
        var kit = new WorkerTestKit(store);
        kit.Tasks.Add(EverySecond.Definition);
        var worker = kit.StartWorker(new WorkerOptions { Queues = ["elsewhere"] }, out var run);

        await Eventually.TrueAsync(() => !store.Deferred.IsEmpty, "a periodic defer");
        worker.Stop();
        await run.WaitAsync(WorkerTestKit.WaitLimit);
    }

    [Fact]
    public void AMaxDelayOutOfRange_IsRejectedByTheApp()
    {
        foreach (var delay in new[] { TimeSpan.FromSeconds(-1), TimeSpan.FromDays(8) })
        {
            var exception = Assert.Throws<ArgumentOutOfRangeException>(() => new ProcrastinateApp(
                new InMemoryJobStore(), new ProcrastinateAppOptions { PeriodicMaxDelay = delay }));
            Assert.Contains("PeriodicMaxDelay", exception.Message, StringComparison.Ordinal);
        }
    }

    private static List<long> Seconds(params int[] seconds) =>
        seconds.Select(s => Noon.AddSeconds(s).ToUnixTimeSeconds()).ToList();

    private sealed class Setup
    {
        public Setup(params TaskDefinition[] tasks)
            : this(TimeSpan.FromMinutes(10), tasks)
        {
        }

        public Setup(TimeSpan maxDelay, params TaskDefinition[] tasks)
            : this(TimeProvider.System, maxDelay, tasks)
        {
        }

        public Setup(TimeProvider time, TimeSpan maxDelay, params TaskDefinition[] tasks)
        {
            Store = new PeriodicStore(time);
            var app = new ProcrastinateApp(Store, new ProcrastinateAppOptions
            {
                Tasks = new TaskRegistry(tasks),
                LoggerFactory = Logs,
                TimeProvider = time,
                PeriodicMaxDelay = maxDelay,
            });
            Deferrer = new PeriodicDeferrer(app, Logs.CreateLogger("Procrastinate.Worker"));
        }

        public PeriodicStore Store { get; }

        public CapturingLoggerFactory Logs { get; } = new();

        public PeriodicDeferrer Deferrer { get; }

        public ValueTask<bool> PassAsync(DateTimeOffset now) => Deferrer.DeferDueTicksAsync(now, CancellationToken.None);
    }
}
