namespace Procrastinate.Tests.Workers;

public class WorkerMiddlewareTests
{
    [Fact]
    public async Task Middleware_RunsWorkerWideOutermostThenPerTaskInListOrder()
    {
        var kit = new WorkerTestKit();
        var trail = new List<string>();
        JobMiddleware Named(string name) => async (context, next) =>
        {
            trail.Add(name + ">");
            var result = await next();
            trail.Add("<" + name);
            return result;
        };
        kit.AddTask("t", _ =>
        {
            trail.Add("task");
            return ValueTask.FromResult<object?>(null);
        }, middleware: [Named("task1"), Named("task2")]);
        await kit.DeferAsync("t");

        await kit.DrainAsync(new WorkerOptions { Middleware = [Named("worker1"), Named("worker2")] });

        Assert.Equal(
            ["worker1>", "worker2>", "task1>", "task2>", "task", "<task2", "<task1", "<worker2", "<worker1"],
            trail);
    }

    [Fact]
    public async Task MiddlewareStoppingTheWorker_StopsItAfterTheJob()
    {
        var kit = new WorkerTestKit();
        kit.AddTask("t", _ => { });
        var first = await kit.DeferAsync("t");
        var second = await kit.DeferAsync("t");
        JobMiddleware stopper = async (context, next) =>
        {
            var result = await next();
            context.Worker!.Stop();
            return result;
        };

        var worker = kit.StartWorker(new WorkerOptions { Middleware = [stopper] }, out var run);
        await run.WaitAsync(WorkerTestKit.WaitLimit);

        Assert.True(worker.IsStopping);
        Assert.Equal(JobStatus.Succeeded, await kit.StatusAsync(first));
        Assert.Equal(JobStatus.Todo, await kit.StatusAsync(second));
    }

    [Fact]
    public async Task MiddlewareSwallowingTheError_CountsAsSuccess()
    {
        var kit = new WorkerTestKit();
        kit.AddTask("boom", _ => throw new InvalidOperationException(), new RetryStrategy(maxAttempts: 3));
        var id = await kit.DeferAsync("boom");
        JobMiddleware swallow = async (context, next) =>
        {
            try
            {
                return await next();
            }
            catch (InvalidOperationException)
            {
                return null;
            }
        };

        await kit.DrainAsync(new WorkerOptions { Middleware = [swallow] });

        Assert.Equal(JobStatus.Succeeded, await kit.StatusAsync(id));
    }
}
