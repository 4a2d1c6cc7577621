using BenchmarkDotNet.Attributes;
using Procrastinate.Storage;

namespace Procrastinate.Benchmarks;

/// <summary>A no-op task for the worker loop.</summary>
public static partial class LoopTasks
{
    [Task(Name = "bench.loop")]
    public static partial void Loop(int n)
    {
    }
}

/// <summary>
/// What the worker itself spends per job — fetch loop, dispatch, outcome recording — with a store that answers at
/// once, so that no database time hides it (compare with W3's client CPU per job).
/// </summary>
[MemoryDiagnoser]
public class WorkerBenchmarks
{
    private const int Jobs = 20_000;

    [Benchmark(OperationsPerInvoke = Jobs)]
    public async Task WorkDown()
    {
        var store = new InstantStore(Jobs);
        var app = new ProcrastinateApp(store, new ProcrastinateAppOptions { Tasks = new TaskRegistry(Generated.ProcrastinateBenchmarksTasks.All) });
        var worker = new Worker(app, new WorkerOptions
        {
            Concurrency = 10,
            Wait = false,
            ListenNotify = false,
            InstallSignalHandlers = false,
        });
        await worker.RunAsync();
        if (store.Finished != Jobs)
        {
            throw new InvalidOperationException($"{store.Finished} of {Jobs} jobs finished.");
        }
    }

    /// <summary>Hands out <c>count</c> no-op jobs and takes their completions, in memory, without waiting.</summary>
    private sealed class InstantStore(int count) : NoStore
    {
        private readonly string _args = Loop.Handle.WriteArgs(new Loop.Args(1));
        private long _next;

        public int Finished { get; private set; }

        public override ValueTask<IReadOnlyList<Job>> FetchJobsAsync(FetchJobsParams parameters, CancellationToken cancellationToken = default)
        {
            var jobs = new List<Job>();
            while (jobs.Count < parameters.Limit && _next < count)
            {
                jobs.Add(new Job { Id = ++_next, Queue = "default", TaskName = Loop.Name, Args = _args, Status = JobStatus.Doing, WorkerId = parameters.WorkerId });
            }

            return ValueTask.FromResult<IReadOnlyList<Job>>(jobs);
        }

        public override ValueTask FinishJobsAsync(IReadOnlyList<JobCompletion> completions, CancellationToken cancellationToken = default)
        {
            Finished += completions.Count;
            return ValueTask.CompletedTask;
        }

        public override ValueTask<long> RegisterWorkerAsync(CancellationToken cancellationToken = default) => ValueTask.FromResult(1L);

        public override ValueTask UnregisterWorkerAsync(long workerId, CancellationToken cancellationToken = default) => ValueTask.CompletedTask;

        public override ValueTask UpdateHeartbeatAsync(long workerId, CancellationToken cancellationToken = default) => ValueTask.CompletedTask;

        public override ValueTask<IReadOnlyList<long>> PruneStalledWorkersAsync(TimeSpan olderThan, CancellationToken cancellationToken = default) =>
            ValueTask.FromResult<IReadOnlyList<long>>([]);

        public override ValueTask<IReadOnlyList<long>> ListJobsToAbortAsync(string? queue = null, CancellationToken cancellationToken = default) =>
            ValueTask.FromResult<IReadOnlyList<long>>([]);

        public override ValueTask<IReadOnlyList<StalledJobRecovery>> RetryStalledJobsAsync(TimeSpan sinceHeartbeat, Func<Job, RetryJobParams?>? retry = null, CancellationToken cancellationToken = default) =>
            ValueTask.FromResult<IReadOnlyList<StalledJobRecovery>>([]);
    }
}
