using Procrastinate.Generated;
using Procrastinate.Testing.InMemory;
using Procrastinate.Testing.Tests.Sample;

namespace Procrastinate.Testing.Tests;

/// <summary>The real worker on the in-memory store, where it depends on the store behaving like PostgreSQL.</summary>
public sealed class InMemoryWorkerTests
{
    [Fact]
    public async Task AWorkerWhoseRowWasPruned_RegistersAgain_AndKeepsRunningJobs()
    {
        var store = new InMemoryJobStore();
        var app = new ProcrastinateApp(store, new ProcrastinateAppOptions { Tasks = new TaskRegistry(ProcrastinateTestingTestsTasks.All) });
        var book = Guid.NewGuid().ToString("N");
        var worker = new Worker(app, new WorkerOptions { InstallSignalHandlers = false, FetchJobPollingInterval = TimeSpan.FromMilliseconds(50) });
        var run = worker.RunAsync();
        var firstId = await worker.Started.WaitAsync(TimeSpan.FromSeconds(10));

        // Another worker took this one for dead: its row is gone, so its next fetch is a foreign key violation.
        await store.UnregisterWorkerAsync(firstId);
        var id = await WriteAlphabet.Configure(app: app).DeferAsync("a", book);

        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (await store.GetJobStatusAsync(id) != JobStatus.Succeeded && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }

        worker.Stop();
        await run.WaitAsync(TimeSpan.FromSeconds(10));
        var job = Assert.Single(store.Jobs(WriteAlphabet.Handle)).Job;
        Assert.Equal(JobStatus.Succeeded, job.Status);
        Assert.NotEqual(firstId, worker.Id);
        Assert.Equal(["a"], AlphabetTasks.Written[book]);
    }
}
