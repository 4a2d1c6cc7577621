using Procrastinate.BuiltinTasks;
using Procrastinate.Generated;
using Procrastinate.Storage;
using Procrastinate.Testing.InMemory;
using Procrastinate.Tests.Workers;

namespace Procrastinate.Tests.Scheduling;

public class BuiltinTaskRegistrationTests
{
    [Fact]
    public void EveryApp_KnowsRemoveOldJobs_UnderProcrastinatesNameAndAlias_InQueueBuiltin()
    {
        var app = new ProcrastinateApp(new InMemoryJobStore());

        var task = app.Tasks.Get("builtin:procrastinate.builtin_tasks.remove_old_jobs");

        Assert.Same(task, app.Tasks.Get("procrastinate.builtin_tasks.remove_old_jobs"));
        Assert.Same(RemoveOldJobs.Definition, task);
        Assert.Equal("builtin", task.Queue);
        Assert.Equal(Builtins.RemoveOldJobsName, RemoveOldJobs.Name);
    }

    [Fact]
    public void AddingTheBuiltinsAgain_DoesNothing()
    {
        var registry = new TaskRegistry(ProcrastinateTasks.All);
        var app = new ProcrastinateApp(new InMemoryJobStore(), new ProcrastinateAppOptions { Tasks = registry });

        app.Tasks.AddRange(ProcrastinateTasks.All);
        _ = new ProcrastinateApp(new InMemoryJobStore(), new ProcrastinateAppOptions { Tasks = registry });

        Assert.Same(registry, app.Tasks);
        Assert.Single(app.Tasks);
    }

    [Fact]
    public void AnotherTaskUnderABuiltinName_IsRejected()
    {
        var impostor = new TaskDefinition
        {
            Name = "procrastinate.builtin_tasks.remove_old_jobs",
            Invoke = _ => ValueTask.FromResult<object?>(null),
            ValidateArgs = _ => { },
        };

        var exception = Assert.Throws<InvalidOperationException>(() => new ProcrastinateApp(
            new InMemoryJobStore(), new ProcrastinateAppOptions { Tasks = new TaskRegistry([impostor]) }));

        Assert.Contains("procrastinate.builtin_tasks.remove_old_jobs", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheTypedHandle_DefersWithProcrastinatesArgumentKeys()
    {
        var store = new InMemoryJobStore();
        var app = new ProcrastinateApp(store);

        var id = await RemoveOldJobs.Configure(queueingLock: "remove_old_jobs", app: app)
            .DeferAsync(maxHours: 72, queue: "emails", removeFailed: true);

        var job = Assert.Single(await store.ListJobsAsync(new JobFilter { Id = id }));
        Assert.Equal(("builtin:procrastinate.builtin_tasks.remove_old_jobs", "builtin", "remove_old_jobs"), (job.TaskName, job.Queue, job.QueueingLock));
        Assert.Equal(
            """{"queue": "emails", "max_hours": 72, "remove_failed": true, "remove_aborted": false, "remove_cancelled": false}""",
            job.Args);
    }

    [Fact]
    public async Task ByName_AsTheCommandLineDoes_MaxHoursIsRequired()
    {
        var app = new ProcrastinateApp(new InMemoryJobStore());

        await app.DeferByNameAsync("builtin:procrastinate.builtin_tasks.remove_old_jobs", """{"max_hours": 72}""");
        await app.DeferByNameAsync("procrastinate.builtin_tasks.remove_old_jobs", """{"max_hours": 1, "remove_aborted": true}""");
        var exception = await Assert.ThrowsAsync<TaskArgumentsException>(async () =>
            await app.DeferByNameAsync("builtin:procrastinate.builtin_tasks.remove_old_jobs", "{}"));

        Assert.Contains("max_hours", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task IgnoreAlreadyEnqueued_IsRefusedForBatches()
    {
        var app = new ProcrastinateApp(new InMemoryJobStore());

        await Assert.ThrowsAsync<ArgumentException>(async () =>
            await RemoveOldJobs.Configure(queueingLock: "l", ignoreAlreadyEnqueued: true, app: app)
                .BatchDeferAsync([new RemoveOldJobs.Args(1)]));
    }
}
