using Procrastinate.Storage;

namespace Procrastinate.StoreContract;

/// <summary>
/// The rules of <see cref="JobRules"/>, refused by every store before anything is written, and by the app from a
/// task's options: NUL, control characters, lone surrogates, empty values, and the length limits.
/// </summary>
public abstract class RulesContract : StoreContract
{
    protected RulesContract(IStoreHarness harness)
        : base(harness)
    {
    }

    public static TheoryData<string, string> BadJobs() => new()
    {
        { "queue", "a\0b" },
        { "queue", "a\nb" },
        { "queue", "\u001b[2Jq" },
        { "queue", "   " },
        { "queue", "" },
        { "queue", "surrogate" },
        { "queue", new string('q', JobRules.MaxQueueNameBytes + 1) },
        { "lock", "" },
        { "lock", "a\0b" },
        { "lock", "surrogate" },
        { "lock", new string('l', 8 * 1024) },
        { "queueingLock", "" },
        { "queueingLock", new string('l', JobRules.MaxLockBytes + 1) },
        { "task", "a\nb" },
        { "task", new string('t', JobRules.MaxTaskNameLength + 1) },
    };

    [Theory]
    [MemberData(nameof(BadJobs))]
    public async Task Defer_WithAValueBreakingTheRules_ThrowsArgumentException_AndWritesNothing(string field, string value)
    {
        // Attribute and member data reach xunit as UTF-8 when serialized, which cannot carry a lone surrogate.
        value = value == "surrogate" ? "a" + '\ud800' : value;
        var job = field switch
        {
            "queue" => Job(queue: value),
            "lock" => Job(@lock: value),
            "queueingLock" => Job(queueingLock: value),
            _ => Job(task: value),
        };

        await Assert.ThrowsAnyAsync<ArgumentException>(async () => await Store.DeferJobsAsync([Job(), job]));

        Assert.Empty(await Store.ListJobsAsync(JobFilter.All));
    }

    [Fact]
    public async Task Defer_AtTheLimits_IsStored()
    {
        var queue = new string('é', JobRules.MaxQueueNameBytes / 2);
        var @lock = new string('l', JobRules.MaxLockBytes);

        var id = await DeferAsync(Job(queue: queue, @lock: @lock, queueingLock: @lock, task: new string('t', JobRules.MaxTaskNameLength)));

        var job = await GetJobAsync(id);
        Assert.Equal((queue, @lock, @lock), (job.Queue, job.Lock, job.QueueingLock));
    }

    [Theory]
    [InlineData("queue", "")]
    [InlineData("lock", "")]
    [InlineData("queueingLock", "")]
    [InlineData("queue", "a\0b")]
    public async Task AppDefer_WithAnEmptyOrBadOption_ThrowsArgumentException_AndWritesNothing(string field, string value)
    {
        var app = new ProcrastinateApp(Store);
        var options = field switch
        {
            "queue" => new DeferOptions { Queue = value },
            "lock" => new DeferOptions { Lock = value },
            _ => new DeferOptions { QueueingLock = value },
        };

        await Assert.ThrowsAnyAsync<ArgumentException>(async () => await app.DeferByNameAsync("any.task", "{}", options, allowUnknown: true));

        Assert.Empty(await Store.ListJobsAsync(JobFilter.All));
    }
}
