using Procrastinate.Storage;
using Procrastinate.Testing.InMemory;

namespace Procrastinate.Tests.Workers;

/// <summary>Hand-written tasks, a store and an app for worker tests, with bounded waits.</summary>
internal sealed class WorkerTestKit
{
    public static readonly TimeSpan WaitLimit = TimeSpan.FromSeconds(10);

    public WorkerTestKit(IJobStore? store = null, WorkerOptions? workerDefaults = null, TimeProvider? time = null)
    {
        Store = store ?? new InMemoryJobStore(time);
        Logs = new CapturingLoggerFactory();
        App = new ProcrastinateApp(Store, new ProcrastinateAppOptions
        {
            Tasks = Tasks,
            LoggerFactory = Logs,
            TimeProvider = time,
            WorkerDefaults = workerDefaults,
        });
    }

    public TaskRegistry Tasks { get; } = new();

    public IJobStore Store { get; }

    public ProcrastinateApp App { get; }

    public CapturingLoggerFactory Logs { get; }

    /// <summary>Fast polling, no signal handlers: what most tests want.</summary>
    public static WorkerOptions FastOptions(WorkerOptions? options = null) => (options ?? new WorkerOptions()).MergeOver(new WorkerOptions
    {
        FetchJobPollingInterval = TimeSpan.FromMilliseconds(50),
        AbortJobPollingInterval = TimeSpan.FromMilliseconds(50),
        InstallSignalHandlers = false,
    });

    public TaskDefinition AddTask(
        string name,
        Func<JobContext, ValueTask<object?>> body,
        IRetryStrategy? retry = null,
        IReadOnlyList<JobMiddleware>? middleware = null)
    {
        var task = new TaskDefinition
        {
            Name = name,
            RetryStrategy = retry,
            Middleware = middleware ?? [],
            Invoke = context => body(context),
            ValidateArgs = _ => { },
        };
        Tasks.Add(task);
        return task;
    }

    public TaskDefinition AddTask(string name, Action<JobContext> body, IRetryStrategy? retry = null) =>
        AddTask(name, context =>
        {
            body(context);
            return ValueTask.FromResult<object?>(null);
        }, retry);

    public ValueTask<long> DeferAsync(string taskName, string args = "{}", DeferOptions? options = null) =>
        App.DeferByNameAsync(taskName, args, options, allowUnknown: true);

    public Worker StartWorker(WorkerOptions? options, out Task run)
    {
        var worker = new Worker(App, FastOptions(options));
        run = worker.RunAsync();
        return worker;
    }

    public async Task<Job> GetJobAsync(long id) =>
        (await Store.ListJobsAsync(new JobFilter { Id = id })).Single();

    public async Task<JobStatus?> StatusAsync(long id) => await Store.GetJobStatusAsync(id);

    /// <summary>Waits until the job has <paramref name="status"/>; fails after <see cref="WaitLimit"/>.</summary>
    public Task WaitForStatusAsync(long id, JobStatus status) =>
        Eventually.TrueAsync(async () => await StatusAsync(id) == status, $"job {id} to be {status}");

    /// <summary>Runs a worker with <c>Wait = false</c> to the end: every runnable job, then stop.</summary>
    public async Task DrainAsync(WorkerOptions? options = null)
    {
        var worker = new Worker(App, FastOptions((options ?? new WorkerOptions()) with { Wait = false }));
        await worker.RunAsync().WaitAsync(WaitLimit);
    }
}
