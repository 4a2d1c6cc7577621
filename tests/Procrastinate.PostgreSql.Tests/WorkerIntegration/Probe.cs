using System.Collections.Concurrent;

namespace Procrastinate.PostgreSql.Tests.WorkerIntegration;

/// <summary>
/// What one test's jobs did, handed to its tasks through <see cref="JobContext.AdditionalContext"/> (so that test
/// classes running in parallel never share state): who ran which job, how many ran at once, and a per-test body.
/// </summary>
public sealed class Probe
{
    public const string Key = "tests.probe";

    private readonly ConcurrentDictionary<long, TaskCompletionSource> _started = new();
    private readonly object _lock = new();
    private int _running;

    /// <summary>What each job does once it started (after its start is recorded); nothing by default.</summary>
    public Func<JobContext, CancellationToken, Task> Body { get; set; } = (_, _) => Task.CompletedTask;

    /// <summary>Every run, in start order: job id and worker name.</summary>
    public ConcurrentQueue<(long JobId, string? Worker)> Runs { get; } = new();

    /// <summary>How each run ended: job id and the abort reason its context gave (null if none).</summary>
    public ConcurrentQueue<(long JobId, AbortReason? AbortReason)> Ends { get; } = new();

    /// <summary>The most jobs that ran at once, over all workers and per worker name.</summary>
    public int MaxRunning { get; private set; }

    public ConcurrentDictionary<string, int> MaxRunningPerWorker { get; } = new();

    public IReadOnlyDictionary<string, object?> Context => new Dictionary<string, object?> { [Key] = this };

    private ConcurrentDictionary<string, int> RunningPerWorker { get; } = new();

    public static Probe Of(JobContext context) => (Probe)context.AdditionalContext[Key]!;

    public Task WaitStartedAsync(long jobId) =>
        _started.GetOrAdd(jobId, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task
            .WaitAsync(TimeSpan.FromSeconds(30));

    public int RunCount(long jobId) => Runs.Count(r => r.JobId == jobId);

    public async Task RunAsync(JobContext context, CancellationToken cancellationToken)
    {
        var worker = context.WorkerName ?? "";
        lock (_lock)
        {
            _running++;
            MaxRunning = Math.Max(MaxRunning, _running);
            var mine = RunningPerWorker.AddOrUpdate(worker, 1, (_, n) => n + 1);
            MaxRunningPerWorker.AddOrUpdate(worker, mine, (_, n) => Math.Max(n, mine));
        }

        Runs.Enqueue((context.Job.Id, context.WorkerName));
        _started.GetOrAdd(context.Job.Id, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
        try
        {
            await Body(context, cancellationToken);
        }
        finally
        {
            Ends.Enqueue((context.Job.Id, context.AbortReason));
            lock (_lock)
            {
                _running--;
                RunningPerWorker.AddOrUpdate(worker, 0, (_, n) => n - 1);
            }
        }
    }
}
