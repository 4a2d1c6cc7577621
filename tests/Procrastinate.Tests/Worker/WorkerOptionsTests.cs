namespace Procrastinate.Tests.Workers;

public class WorkerOptionsTests
{
    [Fact]
    public void NoOptions_ProcrastinateDefaults()
    {
        var kit = new WorkerTestKit();

        var worker = new Worker(kit.App);

        Assert.Equal("worker", worker.Name);
        Assert.Equal(1, worker.Concurrency);
        Assert.Null(worker.Queues);
        Assert.Null(worker.Id);
    }

    [Fact]
    public void RunOptions_MergeOverAppDefaults()
    {
        var kit = new WorkerTestKit(workerDefaults: new WorkerOptions { Name = "app", Concurrency = 2, Queues = ["a"] });

        var worker = new Worker(kit.App, new WorkerOptions { Concurrency = 3 });

        Assert.Equal("app", worker.Name);
        Assert.Equal(3, worker.Concurrency);
        Assert.Equal(["a"], worker.Queues);
    }

    [Theory]
    [InlineData(0, 10, 30)]
    [InlineData(1, 0, 30)]
    [InlineData(1, 10, 10)]
    public void OutOfRangeOptions_Throw(int concurrency, int heartbeatSeconds, int stalledSeconds)
    {
        var kit = new WorkerTestKit();

        Assert.Throws<ArgumentException>(() => new Worker(kit.App, new WorkerOptions
        {
            Concurrency = concurrency,
            UpdateHeartbeatInterval = TimeSpan.FromSeconds(heartbeatSeconds),
            StalledWorkerTimeout = TimeSpan.FromSeconds(stalledSeconds),
        }));
    }

    [Fact]
    public void EmptyQueueList_Throws()
    {
        var kit = new WorkerTestKit();

        Assert.Throws<ArgumentException>(() => new Worker(kit.App, new WorkerOptions { Queues = [] }));
    }

    /// <summary>A queue no job can have would start a worker that idles forever (issue #17).</summary>
    [Theory]
    [InlineData("")]
    [InlineData(" ")]
    [InlineData("forty-one-bytes-is-one-byte-over-the-limit")]
    [InlineData("a\nb")]
    [InlineData("a\0b")]
    [InlineData("\u001b[2J")]
    public void AQueueNoJobCanHave_Throws_NamingQueues(string queue)
    {
        var kit = new WorkerTestKit();

        var error = Assert.Throws<ArgumentException>(() => new Worker(kit.App, new WorkerOptions { Queues = ["ok", queue] }));

        Assert.Equal(nameof(WorkerOptions.Queues), error.ParamName);
        Assert.Contains("queue name", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunWorkerAsync_UsesTheMergedOptions()
    {
        var kit = new WorkerTestKit(workerDefaults: WorkerTestKit.FastOptions(new WorkerOptions { Name = "from-app" }));
        string? name = null;
        kit.AddTask("t", context => { name = context.WorkerName; });
        await kit.DeferAsync("t");

        await kit.App.RunWorkerAsync(new WorkerOptions { Wait = false }).WaitAsync(WorkerTestKit.WaitLimit);

        Assert.Equal("from-app", name);
    }
}
