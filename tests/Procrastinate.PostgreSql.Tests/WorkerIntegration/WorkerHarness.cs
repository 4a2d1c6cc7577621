using Procrastinate.PostgreSql.Tests.Infrastructure;
using Procrastinate.Storage;
using Procrastinate.Tests.Workers;
using Procrastinate.TestWorker;

namespace Procrastinate.PostgreSql.Tests.WorkerIntegration;

/// <summary>
/// An app over a real store with the generated tasks of these tests and of the test worker, capturing logs; starts
/// workers with fast polling and stops every one of them on dispose, even when a test fails.
/// </summary>
internal sealed class WorkerHarness : IAsyncDisposable
{
    public static readonly TimeSpan WaitLimit = TimeSpan.FromSeconds(30);

    private readonly List<(Worker Worker, Task Run)> _workers = [];

    public WorkerHarness(IJobStore store)
    {
        App = new ProcrastinateApp(store, new ProcrastinateAppOptions
        {
            // Only these tasks: the assembly's registry also holds periodic tasks that would defer jobs every second.
            Tasks = new TaskRegistry([Work.Definition, WorkWithRetries.Definition, WriteAlphabet.Definition, Greet.Definition, Block.Definition]),
            LoggerFactory = Logs,
        });
    }

    public ProcrastinateApp App { get; }

    public IJobStore Store => App.Store;

    public CapturingLoggerFactory Logs { get; } = new();

    public Probe Probe { get; } = new();

    /// <summary>Starts a worker (fast polling, no signal handlers, this harness's probe) and waits until it fetches.</summary>
    public async Task<(Worker Worker, Task Run)> StartAsync(WorkerOptions? options = null)
    {
        var (worker, run) = Start(options);
        await worker.Started.WaitAsync(WaitLimit);
        return (worker, run);
    }

    /// <summary>Starts a worker as <see cref="StartAsync"/> does, without waiting for it to register.</summary>
    public (Worker Worker, Task Run) Start(WorkerOptions? options = null)
    {
        var worker = new Worker(App, (options ?? new WorkerOptions()).MergeOver(new WorkerOptions
        {
            FetchJobPollingInterval = TimeSpan.FromMilliseconds(200),
            AbortJobPollingInterval = TimeSpan.FromMilliseconds(200),
            InstallSignalHandlers = false,
            AdditionalContext = Probe.Context,
        }));
        var run = worker.RunAsync();
        _workers.Add((worker, run));
        return (worker, run);
    }

    public async Task<JobStatus?> StatusAsync(long id) => await Store.GetJobStatusAsync(id);

    public Task WaitForStatusAsync(long id, JobStatus status, TimeSpan? timeout = null) =>
        Eventually.TrueAsync(async () => await StatusAsync(id) == status, $"job {id} to be {status}", timeout ?? WaitLimit);

    public async Task WaitForStatusAsync(IEnumerable<long> ids, JobStatus status)
    {
        foreach (var id in ids)
        {
            await WaitForStatusAsync(id, status);
        }
    }

    /// <summary>The messages logged so far at <paramref name="level"/> or above.</summary>
    public List<string> Messages(Microsoft.Extensions.Logging.LogLevel level = Microsoft.Extensions.Logging.LogLevel.Trace) =>
        Logs.Records.Where(r => r.Level >= level).Select(r => r.Message + (r.Exception is null ? "" : " | " + r.Exception.Message)).ToList();

    public async ValueTask DisposeAsync()
    {
        foreach (var (worker, _) in _workers)
        {
            worker.Abort();
        }

        await Task.WhenAll(_workers.Select(w => w.Run)).WaitAsync(WaitLimit);
    }
}
