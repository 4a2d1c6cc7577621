using System.Globalization;
using Procrastinate.Generated;

namespace Procrastinate.Generators.Tests.RoundTrip;

/// <summary>Defers real generated tasks into a capturing store, runs each job through its invoker and compares values.</summary>
public class RoundTripTests
{
    private readonly CapturingJobStore _store = new();
    private readonly ProcrastinateApp _app;

    public RoundTripTests()
    {
        _app = new ProcrastinateApp(_store, new ProcrastinateAppOptions { Tasks = new TaskRegistry(ProcrastinateGeneratorsTestsTasks.All) });
    }

    private async Task<object?> RunAsync(TaskDefinition task, Func<ProcrastinateApp, ValueTask<long>> defer)
    {
        var id = await defer(_app);
        var deferred = _store.Deferred.Single(d => d.Id == id);
        Assert.Equal(task.Name, deferred.Job.TaskName);
        await InvokeAsync(task, deferred.Job.Args, id);
        return TypeTasks.Received.TryGetValue(task.Name.Split('.')[^1], out var value) ? value : OtherTasks.Received[task.Name.Split('.')[^1]];
    }

    private ValueTask<object?> InvokeAsync(TaskDefinition task, string args, long id = 1, CancellationToken cancellationToken = default)
    {
        var job = new Job { Id = id, Queue = task.Queue, TaskName = task.Name, Args = args };
        var context = new JobContext(_app, job, task, "worker", null, DateTimeOffset.UtcNow, null, null, cancellationToken);
        return task.Invoke(context);
    }

    private async Task AssertRoundTripAsync<T>(TaskDefinition task, Func<ProcrastinateApp, T, ValueTask<long>> defer, T value)
    {
        var received = await RunAsync(task, app => defer(app, value));
        Assert.Equal(value, Assert.IsAssignableFrom<T>(received!));
    }

    [Fact]
    public async Task Integers_ArriveExactly()
    {
        foreach (var value in new[] { true, false })
        {
            await AssertRoundTripAsync(TakeBool.Definition, (app, v) => TakeBool.Configure(app: app).DeferAsync(v), value);
        }

        await AssertRoundTripAsync(TakeByte.Definition, (app, v) => TakeByte.Configure(app: app).DeferAsync(v), byte.MaxValue);
        await AssertRoundTripAsync(TakeSByte.Definition, (app, v) => TakeSByte.Configure(app: app).DeferAsync(v), sbyte.MinValue);
        await AssertRoundTripAsync(TakeShort.Definition, (app, v) => TakeShort.Configure(app: app).DeferAsync(v), short.MinValue);
        await AssertRoundTripAsync(TakeUShort.Definition, (app, v) => TakeUShort.Configure(app: app).DeferAsync(v), ushort.MaxValue);
        await AssertRoundTripAsync(TakeInt.Definition, (app, v) => TakeInt.Configure(app: app).DeferAsync(v), int.MinValue);
        await AssertRoundTripAsync(TakeUInt.Definition, (app, v) => TakeUInt.Configure(app: app).DeferAsync(v), uint.MaxValue);
        await AssertRoundTripAsync(TakeLong.Definition, (app, v) => TakeLong.Configure(app: app).DeferAsync(v), long.MaxValue);
        await AssertRoundTripAsync(TakeLong.Definition, (app, v) => TakeLong.Configure(app: app).DeferAsync(v), long.MinValue);
        await AssertRoundTripAsync(TakeULong.Definition, (app, v) => TakeULong.Configure(app: app).DeferAsync(v), ulong.MaxValue);
        await AssertRoundTripAsync(TakeNInt.Definition, (app, v) => TakeNInt.Configure(app: app).DeferAsync(v), nint.MinValue);
        await AssertRoundTripAsync(TakeNUInt.Definition, (app, v) => TakeNUInt.Configure(app: app).DeferAsync(v), nuint.MaxValue);
        var id = await TakeLong.Configure(app: _app).DeferAsync(long.MaxValue);
        Assert.Equal("""{"value":9223372036854775807}""", _store.Deferred.Single(d => d.Id == id).Job.Args);
    }

    [Fact]
    public async Task FloatingPointAndDecimal_ArriveExactly()
    {
        foreach (var value in new[] { float.MaxValue, float.Epsilon, -0.1f, 1f / 3 })
        {
            var received = (float)(await RunAsync(TakeFloat.Definition, app => TakeFloat.Configure(app: app).DeferAsync(value)))!;
            Assert.Equal(BitConverter.SingleToInt32Bits(value), BitConverter.SingleToInt32Bits(received));
        }

        foreach (var value in new[] { double.MaxValue, double.Epsilon, 0.1 + 0.2, -1e-300 })
        {
            var received = (double)(await RunAsync(TakeDouble.Definition, app => TakeDouble.Configure(app: app).DeferAsync(value)))!;
            Assert.Equal(BitConverter.DoubleToInt64Bits(value), BitConverter.DoubleToInt64Bits(received));
        }

        foreach (var value in new[] { 1.10m, 0.000m, decimal.MaxValue, decimal.MinValue, -79228162514264.337593543950335m, 1e-28m })
        {
            var received = (decimal)(await RunAsync(TakeDecimal.Definition, app => TakeDecimal.Configure(app: app).DeferAsync(value)))!;
            Assert.Equal(value.ToString(CultureInfo.InvariantCulture), received.ToString(CultureInfo.InvariantCulture));
        }
    }

    [Fact]
    public async Task TextAndIdentifiers_ArriveExactly()
    {
        foreach (var value in new[] { "", "plain", "héllo wörld — ✓ 漢字 🎉", "quote \" backslash \\ newline \n nul \0", "<script>&</script>" })
        {
            await AssertRoundTripAsync(TakeString.Definition, (app, v) => TakeString.Configure(app: app).DeferAsync(v), value);
        }

        foreach (var value in new[] { 'a', 'é', '\0', '"', '\uFFFF' })
        {
            await AssertRoundTripAsync(TakeChar.Definition, (app, v) => TakeChar.Configure(app: app).DeferAsync(v), value);
        }

        await AssertRoundTripAsync(TakeGuid.Definition, (app, v) => TakeGuid.Configure(app: app).DeferAsync(v), Guid.NewGuid());
        await AssertRoundTripAsync(TakeEnum.Definition, (app, v) => TakeEnum.Configure(app: app).DeferAsync(v), Color.Green);
        await AssertRoundTripAsync(TakeEnum.Definition, (app, v) => TakeEnum.Configure(app: app).DeferAsync(v), (Color)77);
        await AssertRoundTripAsync(TakeLongEnum.Definition, (app, v) => TakeLongEnum.Configure(app: app).DeferAsync(v), BigFlags.High);
    }

    [Fact]
    public async Task DatesAndTimes_ArriveExactly()
    {
        foreach (var value in new[] { new DateTime(2024, 2, 29, 23, 59, 59, DateTimeKind.Utc).AddTicks(1234567), DateTime.MinValue.ToUniversalTime(), new DateTime(DateTime.MaxValue.Ticks, DateTimeKind.Utc) })
        {
            var received = (DateTime)(await RunAsync(TakeDateTime.Definition, app => TakeDateTime.Configure(app: app).DeferAsync(value)))!;
            Assert.Equal(DateTimeKind.Utc, received.Kind);
            Assert.Equal(value.Ticks, received.Ticks);
        }

        foreach (var value in new[] { new DateTimeOffset(2024, 1, 31, 12, 0, 0, TimeSpan.FromHours(5.5)).AddTicks(1), DateTimeOffset.MinValue, DateTimeOffset.MaxValue })
        {
            var received = (DateTimeOffset)(await RunAsync(TakeDateTimeOffset.Definition, app => TakeDateTimeOffset.Configure(app: app).DeferAsync(value)))!;
            Assert.Equal(value.ToString("O", CultureInfo.InvariantCulture), received.ToString("O", CultureInfo.InvariantCulture));
        }

        await AssertRoundTripAsync(TakeDateOnly.Definition, (app, v) => TakeDateOnly.Configure(app: app).DeferAsync(v), new DateOnly(1, 1, 1));
        await AssertRoundTripAsync(TakeDateOnly.Definition, (app, v) => TakeDateOnly.Configure(app: app).DeferAsync(v), DateOnly.MaxValue);
        await AssertRoundTripAsync(TakeTimeOnly.Definition, (app, v) => TakeTimeOnly.Configure(app: app).DeferAsync(v), TimeOnly.MaxValue);
        await AssertRoundTripAsync(TakeTimeOnly.Definition, (app, v) => TakeTimeOnly.Configure(app: app).DeferAsync(v), new TimeOnly(7, 5));
        await AssertRoundTripAsync(TakeTimeSpan.Definition, (app, v) => TakeTimeSpan.Configure(app: app).DeferAsync(v), TimeSpan.MinValue);
        await AssertRoundTripAsync(TakeTimeSpan.Definition, (app, v) => TakeTimeSpan.Configure(app: app).DeferAsync(v), TimeSpan.FromDays(3.25).Add(TimeSpan.FromTicks(7)));
        Assert.Null(await RunAsync(TakeNullableDateTime.Definition, app => TakeNullableDateTime.Configure(app: app).DeferAsync(null)));
    }

    [Fact]
    public async Task NullablesAndCollections_ArriveExactly()
    {
        Assert.Null(await RunAsync(TakeNullableInt.Definition, app => TakeNullableInt.Configure(app: app).DeferAsync(null)));
        await AssertRoundTripAsync(TakeNullableInt.Definition, (app, v) => TakeNullableInt.Configure(app: app).DeferAsync(v), (int?)-4);
        Assert.Null(await RunAsync(TakeNullableString.Definition, app => TakeNullableString.Configure(app: app).DeferAsync(null)));
        await AssertRoundTripAsync(TakeIntArray.Definition, (app, v) => TakeIntArray.Configure(app: app).DeferAsync(v), new[] { 1, int.MaxValue, -3 });
        await AssertRoundTripAsync(TakeIntArray.Definition, (app, v) => TakeIntArray.Configure(app: app).DeferAsync(v), Array.Empty<int>());
        await AssertRoundTripAsync(TakeStringList.Definition, (app, v) => TakeStringList.Configure(app: app).DeferAsync(v), new List<string> { "a", "ü" });
        var offsets = (IReadOnlyList<DateTimeOffset>)[DateTimeOffset.UnixEpoch, new DateTimeOffset(2000, 1, 1, 0, 0, 0, TimeSpan.FromHours(-3))];
        var receivedOffsets = (IReadOnlyList<DateTimeOffset>)(await RunAsync(TakeOffsetReadOnlyList.Definition, app => TakeOffsetReadOnlyList.Configure(app: app).DeferAsync(offsets)))!;
        Assert.Equal(offsets.Select(o => o.ToString("O", CultureInfo.InvariantCulture)), receivedOffsets.Select(o => o.ToString("O", CultureInfo.InvariantCulture)));
        await AssertRoundTripAsync(TakeDictionary.Definition, (app, v) => TakeDictionary.Configure(app: app).DeferAsync(v), new Dictionary<string, int> { ["x"] = 1, ["ÿ key"] = -2 });
        await AssertRoundTripAsync(TakeNestedList.Definition, (app, v) => TakeNestedList.Configure(app: app).DeferAsync(v), new List<int?[]> { new int?[] { 1, null }, Array.Empty<int?>() });
        var decimals = new Dictionary<string, List<decimal>> { ["prices"] = [1.50m, 2.000m] };
        var receivedDecimals = (Dictionary<string, List<decimal>>)(await RunAsync(TakeDecimalDictionary.Definition, app => TakeDecimalDictionary.Configure(app: app).DeferAsync(decimals)))!;
        Assert.Equal(["1.50", "2.000"], receivedDecimals["prices"].Select(d => d.ToString(CultureInfo.InvariantCulture)));
    }

    [Fact]
    public async Task ContextTypes_ArriveExactly()
    {
        await AssertRoundTripAsync(TakePoint.Definition, (app, v) => TakePoint.Configure(app: app).DeferAsync(v), new Point(3, "ünïcode"));
        var points = new List<Point> { new(1, "a"), new(2, "b") };
        Assert.Equal(points, (List<Point>)(await RunAsync(TakePointList.Definition, app => TakePointList.Configure(app: app).DeferAsync(points)))!);
        Assert.Null(await RunAsync(TakeNullablePoint.Definition, app => TakeNullablePoint.Configure(app: app).DeferAsync(null)));
        await AssertRoundTripAsync(TakeMoney.Definition, (app, v) => TakeMoney.Configure(app: app).DeferAsync(v), new Money(12.30m, "EUR"));
        await AssertRoundTripAsync(TakeNullableMoney.Definition, (app, v) => TakeNullableMoney.Configure(app: app).DeferAsync(v), (Money?)new Money(1m, "USD"));
        Assert.Null(await RunAsync(TakeNullableMoney.Definition, app => TakeNullableMoney.Configure(app: app).DeferAsync(null)));
    }

    [Fact]
    public async Task TaskWithContextAndToken_ReceivesThemAndUsesAttributeSettings()
    {
        using var cancellation = new CancellationTokenSource();
        var id = await SendEmail.Configure(app: _app, priority: 9).DeferAsync("ann@example.com");
        var job = _store.Deferred.Single(d => d.Id == id).Job;
        Assert.Equal("""{"to_address":"ann@example.com","retries":3,"subject":null}""", job.Args);
        Assert.Equal(("python.module.send_email", "emails", 9, "l", "q"), (job.TaskName, job.Queue, job.Priority, job.Lock, job.QueueingLock));

        var result = await InvokeAsync(SendEmail.Definition, """{"to_address": "bob@example.com", "subject": "Hi"}""", 17, cancellation.Token);
        Assert.Equal("sent to bob@example.com", result);
        Assert.Equal(("bob@example.com", 3, (string?)"Hi", 17L, true), OtherTasks.Received[nameof(OtherTasks.SendEmail)]);

        var definition = SendEmail.Definition;
        Assert.Equal("python.module.send_email", SendEmail.Name);
        Assert.Equal(["send_email_old"], definition.Aliases);
        Assert.Equal(3, definition.Priority);
        var retry = Assert.IsType<RetryStrategy>(definition.RetryStrategy);
        Assert.Null(retry.MaxAttempts);
        Assert.Equal((1.5, 0.0, 2.0), (retry.WaitSeconds, retry.LinearWaitSeconds, retry.ExponentialWaitSeconds));
        Assert.True(retry.RetryOn!(new TransientError()));
        Assert.True(retry.RetryOn(new TimeoutException()));
        Assert.False(retry.RetryOn(new InvalidOperationException()));
    }

    [Fact]
    public async Task PeriodicTask_HasSchedulesAndCustomStrategy()
    {
        var definition = Tick.Definition;
        Assert.Equal("Procrastinate.Generators.Tests.RoundTrip.OtherTasks.Tick", definition.Name);
        Assert.IsType<NeverRetry>(definition.RetryStrategy);
        Assert.Equal(
            [new PeriodicSchedule("*/5 * * * *"), new PeriodicSchedule("0 4 * * mon-fri 0", "weekdays", """{"extra": 1}""")],
            definition.Periodic);
        Assert.Null(await InvokeAsync(definition, """{"timestamp": 1700000000}"""));
        Assert.Equal((1700000000L, 0), OtherTasks.Received[nameof(OtherTasks.Tick)]);
        Assert.Null(NoArguments.Definition.RetryStrategy);
        Assert.Equal(42, await InvokeAsync(NoArguments.Definition, "{}"));
    }

    [Fact]
    public async Task BatchAndTransactionalDefer_UseTheSameArguments()
    {
        var ids = await WriteAlphabet.Configure(app: _app).BatchDeferAsync(["d", "e"]);
        Assert.Equal(["""{"letter":"d"}""", """{"letter":"e"}"""], ids.Select(id => _store.Deferred.Single(d => d.Id == id).Job.Args));
        var pairs = await TwoArguments.Configure(app: _app, queue: "other").BatchDeferAsync([new("x", 1), new TwoArguments.Args("y", 2)]);
        Assert.Equal(2, pairs.Count);
        Assert.All(pairs, id => Assert.Equal("other", _store.Deferred.Single(d => d.Id == id).Job.Queue));
        await Assert.ThrowsAsync<ArgumentNullException>(async () => await WriteAlphabet.Configure(app: _app).DeferAsync(null!, "f"));
        var handle = WriteAlphabet.Handle;
        Assert.Equal(new WriteAlphabet.Args("z"), handle.ReadArgs(handle.WriteArgs(new WriteAlphabet.Args("z"))));
        Assert.Same(WriteAlphabet.Definition, handle.Definition);
    }

    [Fact]
    public async Task ConfiguredDeferrer_KeepsItsAppAndOptions_AndChecksItsInputs()
    {
        var deferrer = TwoArguments.Configure(app: _app, queue: "other", priority: 3, @lock: "l", scheduleIn: TimeSpan.FromMinutes(1));
        Assert.Same(_app, deferrer.App);
        Assert.Equal(new DeferOptions { Queue = "other", Priority = 3, Lock = "l", ScheduleIn = TimeSpan.FromMinutes(1) }, deferrer.Options);
        Assert.Equal(DeferOptions.None, TwoArguments.Configure(app: _app).Options);
        var id = await deferrer.DeferAsync("x", 1);
        var job = _store.Deferred.Single(d => d.Id == id).Job;
        Assert.Equal(("other", 3, "l"), (job.Queue, job.Priority, job.Lock));
        Assert.NotNull(job.ScheduledAt);

        Assert.Equal("transaction", (await Assert.ThrowsAsync<ArgumentNullException>(async () => await deferrer.DeferAsync(null!, "x", 1))).ParamName);
        Assert.Equal("transaction", (await Assert.ThrowsAsync<ArgumentNullException>(async () => await deferrer.BatchDeferAsync(null!, []))).ParamName);
        Assert.Equal("items", (await Assert.ThrowsAsync<ArgumentNullException>(async () => await deferrer.BatchDeferAsync(null!))).ParamName);
        Assert.Equal("items", (await Assert.ThrowsAsync<ArgumentNullException>(async () => await WriteAlphabet.Configure(app: _app).BatchDeferAsync(null!))).ParamName);
        Assert.Single(_store.Deferred);
    }

    [Fact]
    public async Task InsideTheDeclaringClass_FullyQualifiedHandleWorks()
    {
        await InvokeAsync(CallsFromInside.Definition, "{}");
        Assert.Equal(WriteAlphabet.Name, OtherTasks.Received[nameof(OtherTasks.CallsFromInside)]);
    }

    [Theory]
    [InlineData("""{}""", "to_address", "required but missing")]
    [InlineData("""{"to_address": 5}""", "to_address", "expected a string, found a number")]
    [InlineData("""{"to_address": null}""", "to_address", "expected a string, found null")]
    [InlineData("""{"to_address": "a", "cc": "b"}""", "cc", "no parameter")]
    [InlineData("""{"to_address": "a", "to_address": "b"}""", "to_address", "more than once")]
    [InlineData("""{"to_address": "a", "retries": 1.5}""", "retries", "does not fit a int")]
    [InlineData("""{"to_address": "a", "retries": "1"}""", "retries", "expected a number")]
    [InlineData("""["a"]""", null, "expected a JSON object")]
    [InlineData("""null""", null, "expected a JSON object")]
    [InlineData("""{"to_address": "a"} {}""", null, "")]
    [InlineData("""{"to_address": """, null, "not valid JSON")]
    public async Task BadArguments_FailTheJobNamingTaskAndKey(string json, string? key, string problem)
    {
        var exception = await Assert.ThrowsAsync<TaskArgumentsException>(async () => await InvokeAsync(SendEmail.Definition, json));
        Assert.Equal("python.module.send_email", exception.TaskName);
        Assert.Equal(key, exception.Key);
        Assert.Contains(problem, exception.Message, StringComparison.Ordinal);
        Assert.Throws<TaskArgumentsException>(() => SendEmail.Definition.ValidateArgs(json));
    }

    [Fact]
    public async Task NaiveDateTimeFromPython_IsRejectedButOffsetsAreConverted()
    {
        await Assert.ThrowsAsync<TaskArgumentsException>(async () => await InvokeAsync(TakeDateTime.Definition, """{"value": "2024-01-01T10:00:00"}"""));
        await InvokeAsync(TakeDateTime.Definition, """{"value": "2024-01-01T10:00:00+02:00"}""");
        Assert.Equal(new DateTime(2024, 1, 1, 8, 0, 0, DateTimeKind.Utc), TypeTasks.Received[nameof(TypeTasks.TakeDateTime)]);
    }

    [Fact]
    public async Task ValuesJsonCannotHold_AreRejectedAtDefer()
    {
        await Assert.ThrowsAsync<ArgumentException>(async () => await TakeDateTime.Configure(app: _app).DeferAsync(new DateTime(2024, 1, 1, 0, 0, 0, DateTimeKind.Local)));
        await Assert.ThrowsAsync<ArgumentException>(async () => await TakeDateTime.Configure(app: _app).DeferAsync(new DateTime(2024, 1, 1)));
        await Assert.ThrowsAsync<ArgumentException>(async () => await TakeDouble.Configure(app: _app).DeferAsync(double.NaN));
        await Assert.ThrowsAsync<ArgumentException>(async () => await TakeFloat.Configure(app: _app).DeferAsync(float.PositiveInfinity));
        await Assert.ThrowsAsync<ArgumentNullException>(async () => await TakeString.Configure(app: _app).DeferAsync(null!));
        await Assert.ThrowsAsync<ArgumentNullException>(async () => await TakeStringList.Configure(app: _app).DeferAsync(["a", null!]));
        Assert.Throws<ArgumentException>(() => TakeString.Configure(scheduleAt: DateTimeOffset.UtcNow, scheduleIn: TimeSpan.FromSeconds(1)));
        Assert.Empty(_store.Deferred);
    }

    [Fact]
    public void Registry_HoldsEveryTaskOnce()
    {
        var names = ProcrastinateGeneratorsTestsTasks.All.Select(t => t.Name).ToList();
        Assert.Contains("python.module.send_email", names);
        Assert.Contains(TakePoint.Name, names);
        Assert.Equal(names.Count, names.Distinct().Count());
        var registry = new TaskRegistry(ProcrastinateGeneratorsTestsTasks.All);
        Assert.Same(SendEmail.Definition, registry.Get("send_email_old"));
        registry.AddRange(ProcrastinateGeneratorsTestsTasks.All);
        Assert.Equal(names.Count, registry.Count);
        var duplicate = Assert.Throws<InvalidOperationException>(() => registry.Add(new TaskDefinition
        {
            Name = "send_email_old",
            Invoke = _ => ValueTask.FromResult<object?>(null),
            ValidateArgs = _ => { },
        }));
        Assert.Contains("'send_email_old' is registered twice", duplicate.Message, StringComparison.Ordinal);
    }
}
