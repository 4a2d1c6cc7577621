using BenchmarkDotNet.Attributes;
using Procrastinate.Storage;

namespace Procrastinate.Benchmarks;

/// <summary>A task with typical arguments: a few scalars, a string and a list.</summary>
public static partial class SampleTasks
{
    [Task(Name = "bench.send")]
    public static partial void Send(long userId, string subject, int attempt, bool urgent, List<string> tags)
    {
    }
}

/// <summary>What the library spends per job outside the database: writing and reading arguments, and dispatch.</summary>
[MemoryDiagnoser]
public class JobBenchmarks
{
    private readonly ProcrastinateApp _app = new(new NoStore(), new ProcrastinateAppOptions { Tasks = new TaskRegistry(Generated.ProcrastinateBenchmarksTasks.All) });
    private readonly Send.Args _args = new(42, "Your weekly digest", 0, false, ["digest", "weekly"]);
    private string _json = "";
    private Job _job = null!;
    private TaskDefinition _task = null!;

    [GlobalSetup]
    public void Setup()
    {
        _json = Send.Handle.WriteArgs(_args);
        _job = new Job { Id = 1, Queue = "default", TaskName = Send.Name, Args = _json };
        _task = _app.Tasks.Get(Send.Name);
    }

    /// <summary>Arguments to the JSON stored with the job (what a defer pays).</summary>
    [Benchmark]
    public string WriteArgs() => Send.Handle.WriteArgs(_args);

    /// <summary>The stored JSON back to typed arguments.</summary>
    [Benchmark]
    public Send.Args ReadArgs() => Send.Handle.ReadArgs(_json);

    /// <summary>What a worker does per job to call the task: find it by name, build its context, invoke (which reads the arguments).</summary>
    [Benchmark]
    public ValueTask<object?> Dispatch()
    {
        _app.Tasks.TryGet(_job.TaskName, out var task);
        var context = new JobContext(_app, _job, task, "worker", null, DateTimeOffset.UtcNow, null, null, CancellationToken.None);
        return _task.Invoke(context);
    }

    /// <summary>The deferral path up to the store: resolve defaults into the row to insert.</summary>
    [Benchmark]
    public JobToDefer CreateJob() => _app.CreateJob(_task, _json);
}
