using Procrastinate;
using Procrastinate.Generated;
using Procrastinate.Testing;
using Procrastinate.Testing.InMemory;

namespace MyWorker.Tests;

/// <summary>Unit tests on the in-memory store: the same semantics as PostgreSQL, no database needed.</summary>
public class GreetingTasksTests
{
    private readonly InMemoryJobStore _store = new();
    private readonly ProcrastinateApp _app;

    public GreetingTasksTests() =>
        _app = new ProcrastinateApp(_store, new ProcrastinateAppOptions { Tasks = new TaskRegistry(MyWorkerTasks.All) });

    [Fact]
    public async Task Greet_IsDeferredWithItsArguments()
    {
        await Greet.Configure(app: _app).DeferAsync("Ada");

        var deferred = Assert.Single(_store.Deferred(Greet.Handle));
        Assert.Equal("Ada", deferred.Name);
    }

    [Fact]
    public async Task Greet_Runs()
    {
        await Greet.Configure(app: _app).DeferAsync("Ada");

        Assert.Equal(1, await _app.RunUntilIdleAsync());
        Assert.Single(_store.Jobs(Greet.Handle, JobStatus.Succeeded));
    }
}
