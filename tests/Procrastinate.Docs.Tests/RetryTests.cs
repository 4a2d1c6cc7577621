using System.Net;
using Procrastinate.Docs.Tests.Snippets;
using Procrastinate.Testing;

namespace Procrastinate.Docs.Tests;

/// <summary>The code of docs/retry.md, run in memory: the fake clock jumps to each retry.</summary>
public class RetryTests
{
    private readonly DocsApp _docs = new();
    private readonly string _key = Guid.NewGuid().ToString("N");

    [Fact]
    public async Task FiveRetries_MeanSixRuns()
    {
        FailTimes(10, () => new IOException("disk full"));
        await FiveTimes.DeferAsync(_key);

        Assert.Equal(6, await _docs.App.RunUntilIdleAsync(advanceTime: true));

        Assert.Equal(4, RetryTasks.Failures[_key].Count);
        var job = Assert.Single(_docs.Store.Jobs(FiveTimes.Handle));
        Assert.Equal((JobStatus.Failed, 6), (job.Job.Status, job.Job.Attempts));
    }

    [Fact]
    public async Task Forever_RetriesEveryFiveSeconds_UntilItWorks()
    {
        FailTimes(20, () => new IOException("not yet"));
        await UntilItWorks.DeferAsync(_key);
        var start = _docs.Clock.GetUtcNow();

        Assert.Equal(21, await _docs.App.RunUntilIdleAsync(advanceTime: true));

        Assert.Equal(start.AddSeconds(20 * 5), _docs.Clock.GetUtcNow());
        Assert.Equal(JobStatus.Succeeded, Assert.Single(_docs.Store.Jobs(UntilItWorks.Handle)).Job.Status);
    }

    [Fact]
    public async Task ExponentialWait_DoublesEachTime()
    {
        FailTimes(3, () => new IOException("busy"));
        await Exponential.DeferAsync(_key);
        var start = _docs.Clock.GetUtcNow();

        Assert.Equal(4, await _docs.App.RunUntilIdleAsync(advanceTime: true));

        Assert.Equal(start.AddSeconds(2 + 4 + 8), _docs.Clock.GetUtcNow());
    }

    [Fact]
    public void Delay_FollowsProcrastinatesFormula()
    {
        var strategy = new RetryStrategy(maxAttempts: 10, waitSeconds: 1, linearWaitSeconds: 2, exponentialWaitSeconds: 3);

        // waitSeconds + linearWaitSeconds × attempts + exponentialWaitSeconds ^ (attempts + 1), in seconds
        Assert.Equal(TimeSpan.FromSeconds(1 + 0 + 3), strategy.GetDelay(attempts: 0));
        Assert.Equal(TimeSpan.FromSeconds(1 + 2 + 9), strategy.GetDelay(attempts: 1));
        Assert.Equal(TimeSpan.FromSeconds(1 + 4 + 27), strategy.GetDelay(attempts: 2));
    }

    [Fact]
    public async Task RetryOn_RetriesOnlyTheListedExceptions()
    {
        FailTimes(2, () => new TimeoutException());
        await HttpOnly.DeferAsync(_key);
        var start = _docs.Clock.GetUtcNow();
        Assert.Equal(3, await _docs.App.RunUntilIdleAsync(advanceTime: true));
        Assert.Equal(start.AddSeconds((0 * 30) + (1 * 30)), _docs.Clock.GetUtcNow());

        var other = Guid.NewGuid().ToString("N");
        RetryTasks.Failures[other] = (1, () => new InvalidOperationException("a bug"));
        await HttpOnly.DeferAsync(other);
        Assert.Equal(1, await _docs.App.RunUntilIdleAsync(advanceTime: true));
        Assert.Single(_docs.Store.Jobs(HttpOnly.Handle, JobStatus.Failed));
    }

    [Fact]
    public async Task CustomStrategy_DecidesWhenAndHow()
    {
        FailTimes(5, () => new TimeoutException());
        await Custom.DeferAsync(_key);
        var start = _docs.Clock.GetUtcNow();

        Assert.Equal(3, await _docs.App.RunUntilIdleAsync(advanceTime: true));

        Assert.Equal(start.AddMinutes(1 + 2), _docs.Clock.GetUtcNow());
        var job = Assert.Single(_docs.Store.Jobs(Custom.Handle)).Job;
        Assert.Equal((JobStatus.Failed, -1), (job.Status, job.Priority));
    }

    [Fact]
    public async Task RetryOnAlone_RetriesThoseExceptionsWithoutLimit_AndFailsOnOthers()
    {
        FailTimes(30, () => new TimeoutException());
        await OnTimeouts.DeferAsync(_key);

        Assert.Equal(31, await _docs.App.RunUntilIdleAsync(advanceTime: true));
        var job = Assert.Single(_docs.Store.Jobs(OnTimeouts.Handle)).Job;
        Assert.Equal((JobStatus.Succeeded, 31), (job.Status, job.Attempts));

        var other = Guid.NewGuid().ToString("N");
        RetryTasks.Failures[other] = (1, () => new InvalidOperationException("a bug"));
        await OnTimeouts.DeferAsync(other);
        Assert.Equal(1, await _docs.App.RunUntilIdleAsync(advanceTime: true));
        Assert.Single(_docs.Store.Jobs(OnTimeouts.Handle, JobStatus.Failed));
    }

    [Fact]
    public async Task StrategyFromAFactory_UsesTheTasksSettings()
    {
        FailTimes(10, () => new HttpRequestException("busy", null, HttpStatusCode.ServiceUnavailable));
        await ChargeCard.DeferAsync(_key);
        var start = _docs.Clock.GetUtcNow();

        // maxAttempts: 4 → five runs, waiting 1, 2, 3 and 4 minutes.
        Assert.Equal(5, await _docs.App.RunUntilIdleAsync(advanceTime: true));
        Assert.Equal(start.AddMinutes(1 + 2 + 3 + 4), _docs.Clock.GetUtcNow());
        Assert.Equal(JobStatus.Failed, Assert.Single(_docs.Store.Jobs(ChargeCard.Handle)).Job.Status);

        var declined = Guid.NewGuid().ToString("N");
        RetryTasks.Failures[declined] = (1, () => new HttpRequestException("declined", null, HttpStatusCode.PaymentRequired));
        await ChargeCard.DeferAsync(declined);
        Assert.Equal(1, await _docs.App.RunUntilIdleAsync(advanceTime: true));
        Assert.IsType<HttpStatusRetry>(ChargeCard.Definition.RetryStrategy);
    }

    private void FailTimes(int count, Func<Exception> error) => RetryTasks.Failures[_key] = (count, error);
}
