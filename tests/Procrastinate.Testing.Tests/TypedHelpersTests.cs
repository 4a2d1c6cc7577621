using Microsoft.Extensions.Time.Testing;
using Procrastinate.Generated;
using Procrastinate.Testing.InMemory;
using Procrastinate.Testing.Tests.Sample;

namespace Procrastinate.Testing.Tests;

/// <summary>The helpers a user's unit tests use: typed deferred arguments and running every pending job.</summary>
public sealed class TypedHelpersTests
{
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 1, 1, 9, 0, 0, TimeSpan.Zero));
    private readonly InMemoryJobStore _store;
    private readonly ProcrastinateApp _app;
    private readonly string _book = Guid.NewGuid().ToString("N");

    public TypedHelpersTests()
    {
        _store = new InMemoryJobStore(_clock);
        _app = new ProcrastinateApp(_store, new ProcrastinateAppOptions
        {
            Tasks = new TaskRegistry(ProcrastinateTestingTestsTasks.All),
            TimeProvider = _clock,
        });
    }

    private IEnumerable<string> Written => AlphabetTasks.Written.TryGetValue(_book, out var written) ? written : [];

    [Fact]
    public async Task Deferred_ReturnsTheTypedArgumentsOfTheTasksWaitingJobs()
    {
        await new AlphabetService(_app).SpellAsync("abc", _book);
        await FlakyLetter.Configure(app: _app).DeferAsync("z", _book);

        var deferred = _store.Deferred(WriteAlphabet.Handle);

        Assert.Equal(["a", "b", "c"], deferred.Select(args => args.Letter));
        Assert.All(deferred, args => Assert.Equal(_book, args.Book));
        Assert.Equal([new FlakyLetter.Args("z", _book)], _store.Deferred(FlakyLetter.Handle));
    }

    [Fact]
    public async Task Jobs_PairsEachJobWithItsArguments_AndFiltersByStatus()
    {
        await new AlphabetService(_app).SpellAsync("ab", _book);
        var first = _store.Jobs(WriteAlphabet.Handle)[0];
        await _store.CancelJobAsync(first.Job.Id);

        var cancelled = Assert.Single(_store.Jobs(WriteAlphabet.Handle, JobStatus.Cancelled));
        Assert.Equal(("a", "letters"), (cancelled.Args.Letter, cancelled.Job.Queue));
        Assert.Equal(["b"], _store.Deferred(WriteAlphabet.Handle).Select(args => args.Letter));
        Assert.Empty(_store.Jobs(FlakyLetter.Handle));
    }

    [Fact]
    public async Task RunUntilIdle_RunsEveryPendingJobWithTheRealWorker_AndReturns()
    {
        await new AlphabetService(_app).SpellAsync("hello", _book);

        var ran = await _app.RunUntilIdleAsync();

        Assert.Equal(5, ran);
        Assert.Equal(["h", "e", "l", "l", "o"], Written);
        Assert.Empty(_store.Deferred(WriteAlphabet.Handle));
        Assert.Equal(5, _store.Jobs(WriteAlphabet.Handle, JobStatus.Succeeded).Count);
        Assert.Empty(_store.GetWorkers());
    }

    [Fact]
    public async Task RunUntilIdle_LeavesScheduledJobs_UnlessAskedToMoveTheClock()
    {
        var service = new AlphabetService(_app);
        await service.SpellLaterAsync('x', _book);
        await service.SpellAsync("y", _book);

        Assert.Equal(1, await _app.RunUntilIdleAsync());
        Assert.Equal(["y"], Written);
        Assert.Equal(["x"], _store.Deferred(WriteAlphabet.Handle).Select(args => args.Letter));

        var start = _clock.GetUtcNow();
        Assert.Equal(1, await _app.RunUntilIdleAsync(advanceTime: true));
        Assert.Equal(["y", "x"], Written);
        Assert.Equal(start.AddHours(1), _clock.GetUtcNow());
    }

    [Fact]
    public async Task RunUntilIdle_WithTime_RunsRetriesAtTheirTime()
    {
        await FlakyLetter.Configure(app: _app).DeferAsync("q", _book);

        Assert.Equal(1, await _app.RunUntilIdleAsync());
        var retried = Assert.Single(_store.Jobs(FlakyLetter.Handle, JobStatus.Todo)).Job;
        Assert.Equal((1, _clock.GetUtcNow().AddMinutes(1)), (retried.Attempts, retried.ScheduledAt));

        Assert.Equal(1, await _app.RunUntilIdleAsync(advanceTime: true));
        var done = Assert.Single(_store.Jobs(FlakyLetter.Handle)).Job;
        Assert.Equal((JobStatus.Succeeded, 2), (done.Status, done.Attempts));
        Assert.Equal(["try q", "try q"], Written);
        // The second "scheduled": the first round's worker unregistered, which updates the waiting row (as in PostgreSQL).
        Assert.Equal(
            ["deferred", "started", "scheduled", "deferred_for_retry", "scheduled", "started", "succeeded"],
            _store.GetEvents(done.Id).Select(e => e.Type));
    }

    [Fact]
    public async Task FailedAttempt_KeepsItsError_InTheStore()
    {
        var id = await FlakyLetter.Configure(app: _app).DeferAsync("e", _book);

        Assert.Equal(1, await _app.RunUntilIdleAsync());
        Assert.Equal(1, await _app.RunUntilIdleAsync(advanceTime: true));

        var error = Assert.Single((await _store.ListJobErrorsAsync(id))!);
        Assert.Equal((1, "System.IO.IOException", "the printer jammed"), (error.Attempt, error.Error.Type, error.Error.Message));
        Assert.Contains("AlphabetTasks.FlakyLetter", error.Error.Details, StringComparison.Ordinal);
        Assert.Equal(JobStatus.Succeeded, await _store.GetJobStatusAsync(id));
    }

    [Fact]
    public async Task RunUntilIdle_OnlyTheGivenQueues()
    {
        await new AlphabetService(_app).SpellAsync("a", _book);
        await FlakyLetter.Configure(app: _app, queue: "other").DeferAsync("b", _book);

        Assert.Equal(1, await _app.RunUntilIdleAsync(options: new WorkerOptions { Queues = ["letters"] }));

        Assert.Equal(["a"], Written);
        Assert.Single(_store.Deferred(FlakyLetter.Handle));
    }

    [Fact]
    public async Task RunUntilIdle_AdvancingTimeWithoutAMovableClock_ThrowsAndRunsNothing()
    {
        var systemClockApp = new ProcrastinateApp(new InMemoryJobStore(), new ProcrastinateAppOptions { Tasks = _app.Tasks });
        var otherClockApp = new ProcrastinateApp(new InMemoryJobStore(new FakeTimeProvider()), new ProcrastinateAppOptions
        {
            Tasks = _app.Tasks,
            TimeProvider = _clock,
        });
        await WriteAlphabet.Configure(app: systemClockApp).DeferAsync("a", _book);

        await Assert.ThrowsAsync<InvalidOperationException>(() => systemClockApp.RunUntilIdleAsync(advanceTime: true));
        await Assert.ThrowsAsync<InvalidOperationException>(() => otherClockApp.RunUntilIdleAsync(advanceTime: true));
        Assert.Empty(Written);
    }

    [Fact]
    public async Task RunUntilIdle_Cancelled_Throws()
    {
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => _app.RunUntilIdleAsync(cancellationToken: cancelled.Token));
    }

    [Fact]
    public async Task Defer_InATransaction_IsNotSupportedInMemory()
    {
        await using var transaction = new NoDatabaseTransaction();

        await Assert.ThrowsAsync<NotSupportedException>(async () => await WriteAlphabet.Configure(app: _app).DeferAsync(transaction, "a"));

        Assert.Empty(_store.Jobs());
    }

    private sealed class NoDatabaseTransaction : System.Data.Common.DbTransaction
    {
        public override System.Data.IsolationLevel IsolationLevel => System.Data.IsolationLevel.ReadCommitted;

        protected override System.Data.Common.DbConnection? DbConnection => null;

        public override void Commit()
        {
        }

        public override void Rollback()
        {
        }
    }
}
