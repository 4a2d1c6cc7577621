using Procrastinate.Generated;
using Procrastinate.Testing.Tests.Sample;

namespace Procrastinate.Testing.Tests;

/// <summary>
/// Middleware a task declares (<c>[Task(Middleware = [...])]</c>, wired by the generator) runs the same on both stores:
/// only around its task, outermost first, inside the worker's own middleware; a middleware that throws fails the job.
/// </summary>
public sealed class TaskMiddlewareTests : BothStoresTest
{
    [Theory]
    [InlineData("memory")]
    [InlineData("postgres")]
    public async Task TaskMiddleware_WrapsOnlyItsTask_OutermostFirst_InsideTheWorkersMiddleware(string storeName)
    {
        var app = new ProcrastinateApp(await StoreAsync(storeName), new ProcrastinateAppOptions { Tasks = new TaskRegistry(ProcrastinateTestingTestsTasks.All) });
        var (wrapped, plain) = (NewKey(), NewKey());
        var wrappedId = await Wrapped.Configure(app: app).DeferAsync(wrapped);
        var plainId = await Plain.Configure(app: app).DeferAsync(plain);

        var ran = await app.RunUntilIdleAsync(options: new WorkerOptions { Middleware = [MiddlewareTasks.Worker] });

        Assert.Equal(2, ran);
        Assert.Equal(
            ["worker before", "outer before", "inner before", "task", "inner after " + wrapped.ToUpperInvariant(), "outer after " + wrapped.ToUpperInvariant(), "worker after " + wrapped.ToUpperInvariant()],
            MiddlewareTasks.Trail[wrapped]);
        Assert.Equal(["worker before", "task", "worker after "], MiddlewareTasks.Trail[plain]);
        Assert.Equal(JobStatus.Succeeded, await app.Store.GetJobStatusAsync(wrappedId));
        Assert.Equal(JobStatus.Succeeded, await app.Store.GetJobStatusAsync(plainId));
    }

    [Theory]
    [InlineData("memory")]
    [InlineData("postgres")]
    public async Task TaskMiddlewareThatThrows_FailsTheJob_WithoutRunningTheTask(string storeName)
    {
        var app = new ProcrastinateApp(await StoreAsync(storeName), new ProcrastinateAppOptions { Tasks = new TaskRegistry(ProcrastinateTestingTestsTasks.All) });
        var key = NewKey();
        var id = await Refused.Configure(app: app).DeferAsync(key);

        Assert.Equal(1, await app.RunUntilIdleAsync());

        Assert.Equal(["refuse"], MiddlewareTasks.Trail[key]);
        Assert.Equal(JobStatus.Failed, await app.Store.GetJobStatusAsync(id));
    }

    [Fact]
    public void TheGeneratedDefinition_ListsTheDeclaredMiddleware()
    {
        Assert.Equal(2, Wrapped.Definition.Middleware.Count);
        Assert.Same(MiddlewareTasks.Inner, Wrapped.Definition.Middleware[1]);
        Assert.Empty(Plain.Definition.Middleware);
    }

    private static string NewKey()
    {
        var key = Guid.NewGuid().ToString("N");
        MiddlewareTasks.Trail[key] = new();
        return key;
    }
}
