using Procrastinate.Storage;
using Procrastinate.Testing.InMemory;

namespace Procrastinate.Tests.Workers;

public class WorkerRetryTests
{
    [Fact]
    public async Task RetryWithMaxAttempts_RunsAttemptsPlusOneTimesThenFails()
    {
        var kit = new WorkerTestKit();
        var seenAttempts = new List<int>();
        kit.AddTask("flaky", context =>
        {
            lock (seenAttempts)
            {
                seenAttempts.Add(context.Job.Attempts);
            }

            throw new IOException("down");
        }, new RetryStrategy(maxAttempts: 2));
        var id = await kit.DeferAsync("flaky");

        await kit.DrainAsync();

        Assert.Equal([0, 1, 2], seenAttempts);
        var job = await kit.GetJobAsync(id);
        Assert.Equal(JobStatus.Failed, job.Status);
        Assert.Equal(3, job.Attempts);
    }

    [Fact]
    public async Task Retry_WhenAWaitingJobHoldsTheQueueingLock_EndsFailed_AndTheWaitingJobStays()
    {
        var kit = new WorkerTestKit();
        var options = new DeferOptions { QueueingLock = "report" };
        long? waiting = null;
        kit.AddTask("report", async context =>
        {
            if (context.Job.Attempts == 0 && waiting is null)
            {
                // While this job runs, another job with its queueing lock is deferred (for later, so that this worker
                // does not take it first): the retry would be a duplicate of it.
                waiting = await kit.DeferAsync("report", options: options with { ScheduleIn = TimeSpan.FromHours(1) });
                throw new IOException("first run fails");
            }

            return null;
        }, new RetryStrategy(maxAttempts: 3));
        var first = await kit.DeferAsync("report", options: options);

        await kit.DrainAsync();

        Assert.Equal((JobStatus.Failed, 1), ((await kit.GetJobAsync(first)).Status, (await kit.GetJobAsync(first)).Attempts));
        Assert.Equal(JobStatus.Todo, await kit.StatusAsync(waiting!.Value));
        Assert.Contains(kit.Logs.Records, r => r.Message.Contains("queueing lock report", StringComparison.Ordinal));
    }

    [Fact]
    public async Task RetryForever_RetriesUntilTheTaskSucceeds()
    {
        var kit = new WorkerTestKit();
        var runs = 0;
        kit.AddTask("eventually", _ =>
        {
            if (Interlocked.Increment(ref runs) < 6)
            {
                throw new IOException("not yet");
            }
        }, new RetryStrategy());
        var id = await kit.DeferAsync("eventually");

        await kit.DrainAsync();

        Assert.Equal(6, runs);
        Assert.Equal(JobStatus.Succeeded, await kit.StatusAsync(id));
    }

    [Fact]
    public async Task RetryStrategyWaits_ScheduleTheRetryByTheFormula()
    {
        var now = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var recording = new RecordingStore(new InMemoryJobStore(new FrozenTime(now)));
        var kit = new WorkerTestKit(recording, time: new FrozenTime(now));
        kit.AddTask("slow", _ => throw new IOException(), new RetryStrategy(maxAttempts: 3, waitSeconds: 1, linearWaitSeconds: 2, exponentialWaitSeconds: 3));
        var id = await kit.DeferAsync("slow");

        await kit.DrainAsync();

        // attempts = 0: 1 + 2*0 + 3^1 = 4 s. The retry is in the future, so the draining worker stops after it.
        var retry = Assert.Single(recording.Retries);
        Assert.Equal(id, retry.JobId);
        Assert.Equal(now + TimeSpan.FromSeconds(4), retry.RetryAt);
        var job = await kit.GetJobAsync(id);
        Assert.Equal(JobStatus.Todo, job.Status);
        Assert.Equal(1, job.Attempts);
    }

    [Fact]
    public async Task RetryOnFilter_OnlyMatchingExceptionsAreRetried()
    {
        var kit = new WorkerTestKit();
        var runs = 0;
        kit.AddTask("picky", _ =>
        {
            var run = Interlocked.Increment(ref runs);
            throw run == 1 ? new IOException("retry me") : new ArgumentException("do not retry me");
        }, new RetryStrategy(maxAttempts: 10, retryOn: e => e is IOException));
        var id = await kit.DeferAsync("picky");

        await kit.DrainAsync();

        Assert.Equal(2, runs);
        var job = await kit.GetJobAsync(id);
        Assert.Equal(JobStatus.Failed, job.Status);
        Assert.Equal(2, job.Attempts);
    }

    [Fact]
    public async Task CustomDecision_MovesTheRetryToItsQueuePriorityAndLock()
    {
        var kit = new WorkerTestKit();
        var seen = new List<Job>();
        kit.AddTask("moving", context =>
        {
            lock (seen)
            {
                seen.Add(context.Job);
            }

            if (context.Job.Attempts == 0)
            {
                throw new IOException();
            }
        }, new MoveOnce());
        var id = await kit.DeferAsync("moving");

        await kit.DrainAsync();

        Assert.Equal(2, seen.Count);
        Assert.Equal(("default", 0, (string?)null), (seen[0].Queue, seen[0].Priority, seen[0].Lock));
        Assert.Equal(("elsewhere", 7, (string?)"the-lock"), (seen[1].Queue, seen[1].Priority, seen[1].Lock));
        Assert.Equal(JobStatus.Succeeded, await kit.StatusAsync(id));
    }

    [Fact]
    public async Task StrategyThatThrows_FailsTheJobAndTheWorkerGoesOn()
    {
        var kit = new WorkerTestKit();
        kit.AddTask("bad-strategy", _ => throw new IOException(), new ThrowingStrategy());
        kit.AddTask("next", _ => { });
        var id = await kit.DeferAsync("bad-strategy");
        var next = await kit.DeferAsync("next");

        await kit.DrainAsync();

        Assert.Equal(JobStatus.Failed, await kit.StatusAsync(id));
        Assert.Equal(JobStatus.Succeeded, await kit.StatusAsync(next));
    }

    private sealed class MoveOnce : IRetryStrategy
    {
        public RetryDecision? GetRetryDecision(Exception exception, Job job) =>
            job.Attempts == 0 ? new RetryDecision { Queue = "elsewhere", Priority = 7, Lock = "the-lock" } : null;
    }

    private sealed class ThrowingStrategy : IRetryStrategy
    {
        public RetryDecision? GetRetryDecision(Exception exception, Job job) => throw new NotImplementedException();
    }

    /// <summary>A clock stopped at one instant; delays still pass in real time.</summary>
    internal sealed class FrozenTime(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }

    private sealed class RecordingStore(IJobStore inner) : DelegatingJobStore(inner)
    {
        public List<RetryJobParams> Retries { get; } = [];

        public override ValueTask RetryJobAsync(RetryJobParams parameters, CancellationToken cancellationToken = default)
        {
            lock (Retries)
            {
                Retries.Add(parameters);
            }

            return base.RetryJobAsync(parameters, cancellationToken);
        }
    }
}
