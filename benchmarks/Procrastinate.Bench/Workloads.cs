using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Procrastinate.Storage;

namespace Procrastinate.Bench;

/// <summary>The figures of one run: named metrics and remarks (checks that held, what was measured).</summary>
internal sealed record RunResult(IReadOnlyDictionary<string, double> Metrics, string LoadAverage, IReadOnlyList<string> Remarks);

/// <summary>One workload of issue 10.</summary>
/// <param name="Id">W1 to W7.</param>
/// <param name="Title">What it does, with its size.</param>
/// <param name="Primary">The metric the table shows first.</param>
/// <param name="Target">The target, in words.</param>
/// <param name="RunAsync">One run in fresh databases.</param>
/// <param name="CeilingOf">For a ceiling (C1 to C3), the workload whose database side it measures: each of that
/// workload's runs is followed by one of the ceiling's, and the table reports the workload as a share of it.</param>
internal sealed record Workload(
    string Id, string Title, string Primary, string Target, Func<BenchServer, Task<RunResult>> RunAsync, string? CeilingOf = null);

/// <summary>Workloads W1 to W7, sized by the options.</summary>
internal static class Workloads
{
    private const int Concurrency = 10;

    private static Task<string>? _publishedAotWorker;

    /// <summary>Whether this process already ran the worker's warm-up (<see cref="WarmUpWorkerAsync"/>).</summary>
    private static bool _workerWarmedUp;

    public static IReadOnlyList<Workload> Create(BenchOptions options)
    {
        var jobs = options.Scale(20_000);
        var latencyJobs = options.Scale(500);
        var finished = options.Scale(1_000_000);
        var otherQueued = options.Scale(100_000);
        var fetchWaiting = Math.Max(otherQueued, FetchWorkload.MinWaiting);
        return
        [
            new("W1", $"defer {jobs:N0} jobs one at a time, each awaited", "jobs_per_s", "≥ 2,000 jobs/s",
                server => DeferOneByOneAsync(server, jobs)),
            new("W2", $"defer {jobs:N0} jobs in batches of 1,000", "jobs_per_s", "≥ 35,000 jobs/s",
                server => DeferInBatchesAsync(server, jobs)),
            new("W3", $"work {jobs:N0} queued no-op jobs, concurrency {Concurrency}", "jobs_per_s", "≥ 7,500 jobs/s",
                server => WorkDownAsync(server, jobs, locks: 0, History.None)),
            new("W4", $"defer {latencyJobs:N0} jobs 10 ms apart to a listening worker", "p50_ms", "p50 ≤ 2 ms, p99 ≤ 5 ms",
                server => LatencyAsync(server, latencyJobs)),
            new("W5", $"W3 with {finished:N0} finished jobs (an event each) in the worker's queue and {otherQueued:N0} waiting in 100 other queues", "jobs_per_s", "≥ 80 % of W3",
                server => WorkDownAsync(server, jobs, locks: 0, History.W5(finished, otherQueued))),
            new("W5i", "W5 on a schema without the queue index (as Python applies it), then the opt-in Schema.ApplyQueueIndexAsync()", "jobs_per_s", "≥ 80 % of W3",
                server => WorkDownAsync(server, jobs, locks: 0, History.W5(finished, otherQueued) with { OptInIndex = true })),
            new("W5q", $"W5 for a worker of 3 of 100 queues: {finished:N0} finished jobs in its 3 queues, {otherQueued:N0} waiting in the 97 others, its jobs spread over its 3", "jobs_per_s", "≥ 80 % of W3",
                server => WorkDownAsync(server, jobs, locks: 0, History.W5q(finished, otherQueued))),
            new("W5a", $"W5 for a worker of all queues: {finished:N0} finished jobs and its jobs spread over 100 queues", "jobs_per_s", "≥ 80 % of W3",
                server => WorkDownAsync(server, jobs, locks: 0, History.W5a(finished))),
            new("W3x1M", $"W3 with {finished:N0} finished jobs (an event each) in the table", "server_cpu_us_per_job", "≤ 1.25 × W3's server CPU per job",
                server => WorkDownAsync(server, jobs, locks: 0, History.WithFinished(finished, cached: false))),
            new("W3x10M", $"W3 with {options.Scale(10_000_000):N0} finished jobs (an event each) in the table; fixture kept as a template database across invocations (with --dsn)", "server_cpu_us_per_job", "≤ 1.25 × W3's server CPU per job",
                server => WorkDownAsync(server, jobs, locks: 0, History.WithFinished(options.Scale(10_000_000), cached: true))),
            new("W6", $"W3 where every job has one of 100 locks", "jobs_per_s", "≥ 50 % of W3",
                server => WorkDownAsync(server, jobs, locks: 100, History.None)),
            new("D1", $"dashboard jobs page (api/jobs) over {finished:N0} finished jobs: first, filtered and deep keyset page", "first_p50_ms", "median < 100 ms",
                server => DashboardWorkload.RunAsync(server, finished)),
            new("F1", $"the store's fetch of 10, call by call, over {finished:N0} finished and {fetchWaiting:N0} waiting jobs spread over 100 queues, for 1, 3, 20 and all queues", "fetch_1q_p50_ms", "none (diagnostic)",
                server => FetchWorkload.RunAsync(server, finished, fetchWaiting)),
            new("C1", "W1's ceiling: defer_job by pgbench, prepared, one connection, no client work", "jobs_per_s", "W1 ≥ 80 % of it",
                server => Ceilings.DeferOneAsync(server, options, jobs), CeilingOf: "W1"),
            new("C2", "W2's ceiling: defer_jobs of 1,000 rows by pgbench, prepared, one connection, no client work", "jobs_per_s", "W2 ≥ 90 % of it",
                server => Ceilings.DeferBatchAsync(server, options, jobs), CeilingOf: "W2"),
            new("C3", "W3's ceiling: finish 10 + fetch 10 in one pipeline by pgbench, prepared, one connection, no client work", "jobs_per_s", "W3 ≥ 80 % of it",
                server => Ceilings.FinishAndFetchAsync(server, options, jobs), CeilingOf: "W3"),
            new("C3s", "W3's cycle through the store: FinishAndFetchJobsAsync of 10 in one awaited loop, no worker (diagnostic between C3 and W3)", "jobs_per_s", "none (diagnostic)",
                server => Ceilings.FinishAndFetchThroughStoreAsync(server, jobs)),
            new("W7", "Native AOT worker: start to first fetch, memory idle and working down W3's jobs", "first_fetch_ms", "≤ 60 ms, ≤ 30 MB idle",
                server => AotWorkerAsync(server, options)),
        ];
    }

    private static async Task<RunResult> DeferOneByOneAsync(BenchServer server, int count)
    {
        await using var database = await server.CreateDatabaseAsync();

        // Warm-up, not measured: the pool's first connection, and enough defers for the JIT to optimize their path (it
        // recompiles a method after 30 calls, in the background), which a long-running process pays once.
        const int WarmUp = 500;
        for (var i = 0; i < WarmUp; i++)
        {
            await NoOp.DeferAsync(-1);
        }

        var load = Machine.LoadAverage();
        var cpu = await CpuProbe.StartAsync(database.ConnectionString);
        var watch = Stopwatch.StartNew();
        for (var i = 0; i < count; i++)
        {
            await NoOp.DeferAsync(i);
        }

        watch.Stop();
        var cpuMetrics = await cpu.StopAsync(count);
        var stored = await database.ScalarAsync("SELECT count(*) FROM procrastinate_jobs WHERE status = 'todo'");
        Check(stored == count + WarmUp, $"expected {count + WarmUp} waiting jobs, found {stored}");
        return Throughput(count, watch.Elapsed, load, cpuMetrics, $"{stored:N0} jobs stored");
    }

    private static async Task<RunResult> DeferInBatchesAsync(BenchServer server, int count)
    {
        const int Batch = 1_000;
        await using var database = await server.CreateDatabaseAsync();

        // Warm-up, not measured: the timed part is only 20 calls, so without it the first run of an invocation ran
        // the batch path in the JIT's first tier (methods move to the optimizing tier after 30 calls, compiled in the
        // background) and was the slowest. 50 small batches, a pause for that compilation, two full batches (the
        // statement is prepared at its second use), which a long-running deferrer pays once; then the table is
        // emptied again, as C2 finds it.
        for (var warmUp = 0; warmUp < 50; warmUp++)
        {
            await NoOp.BatchDeferAsync(Enumerable.Range(0, 20));
        }

        await Task.Delay(500);
        for (var warmUp = 0; warmUp < 2; warmUp++)
        {
            await NoOp.BatchDeferAsync(Enumerable.Range(0, Batch));
        }

        await BenchServer.ExecuteAsync(database.ConnectionString, "TRUNCATE procrastinate_jobs CASCADE");
        var load = Machine.LoadAverage();
        var cpu = await CpuProbe.StartAsync(database.ConnectionString);
        var watch = Stopwatch.StartNew();
        for (var start = 0; start < count; start += Batch)
        {
            await NoOp.BatchDeferAsync(Enumerable.Range(start, Math.Min(Batch, count - start)));
        }

        watch.Stop();
        var cpuMetrics = await cpu.StopAsync(count);
        var stored = await database.ScalarAsync("SELECT count(*) FROM procrastinate_jobs WHERE status = 'todo'");
        Check(stored == count, $"expected {count} waiting jobs, found {stored}");
        return Throughput(count, watch.Elapsed, load, cpuMetrics, $"{stored:N0} jobs stored");
    }

    /// <summary>
    /// W3, W5*, W3xN and W6: jobs already queued, one worker works them down; timed from its start to its return. The
    /// table holds <paramref name="history"/> first (a template filled once per invocation, or kept across invocations).
    /// </summary>
    private static async Task<RunResult> WorkDownAsync(BenchServer server, int count, int locks, History history)
    {
        if (!_workerWarmedUp)
        {
            await WarmUpWorkerAsync(server, count);
            _workerWarmedUp = true;
        }

        await using var database = history.Key is null
            ? await server.CreateDatabaseAsync()
            : await server.CreateDatabaseAsync(history.Key, history.FillAsync, history.Cached);
        var app = database.App;
        if (history.OptInIndex)
        {
            // A schema as Python applies it, then the opt-in way of adding the index (built concurrently).
            await BenchServer.ExecuteAsync(database.ConnectionString, $"DROP INDEX {PostgreSql.PostgreSqlSchemaManager.QueueIndexName}");
            await database.Store.Schema.ApplyQueueIndexAsync();
        }

        var jobs = Enumerable.Range(0, count)
            .Select(i => locks == 0
                ? app.CreateJob(NoOp.Definition, NoOp.Handle.WriteArgs(new NoOp.Args(i)), new DeferOptions { Queue = history.JobQueue(i) })

                // Locks interleaved by id (job i has lock i % locks), as independent producers would defer them.
                : app.CreateJob(
                    Locked.Definition,
                    Locked.Handle.WriteArgs(new Locked.Args(i)),
                    new DeferOptions { Lock = "lock-" + (i % locks).ToString(CultureInfo.InvariantCulture) }))
            .ToList();
        var lastIdBefore = await database.ScalarAsync("SELECT coalesce(max(id), 0) FROM procrastinate_jobs");
        foreach (var batch in jobs.Chunk(1_000))
        {
            await app.Store.DeferJobsAsync(batch);
        }

        await BenchServer.ExecuteAsync(database.ConnectionString, "VACUUM ANALYZE procrastinate_jobs");
        var scansBefore = await IndexScansAsync(database);
        var probe = new LockProbe();
        BenchTasks.Probe = probe;
        var load = Machine.LoadAverage();
        var worker = new Worker(app, new WorkerOptions
        {
            Name = "bench",
            Concurrency = Concurrency,
            Queues = history.WorkerQueues,
            Wait = false,
            InstallSignalHandlers = false,
        });
        var cpu = await CpuProbe.StartAsync(database.ConnectionString);
        var watch = Stopwatch.StartNew();
        await worker.RunAsync();
        watch.Stop();
        BenchTasks.Probe = null;
        var cpuMetrics = await cpu.StopAsync(count);

        var succeeded = await database.ScalarAsync("SELECT count(*) FROM procrastinate_jobs WHERE status = 'succeeded'");
        var left = await database.ScalarAsync("SELECT count(*) FROM procrastinate_jobs WHERE status IN ('todo', 'doing') AND queue_name NOT LIKE 'other%'");
        Check(succeeded == count + history.Finished && left == 0,
            $"expected {count + history.Finished} succeeded and none of the worker's left, found {succeeded} and {left} left");
        var remarks = new List<string> { $"{count:N0} jobs succeeded, finishing state recorded" };

        // The working rate: from the first fetch's transaction to the last finish's (the events' server timestamps), as
        // C3 times its cycles; jobs/s above also counts the worker's start and its unregistering (whose foreign key
        // rewrites every job it ran).
        var workingMicros = await database.ScalarAsync(
            "SELECT (extract(epoch FROM max(at) FILTER (WHERE type = 'succeeded') - min(at) FILTER (WHERE type = 'started')) * 1000000)::bigint " +
            "FROM procrastinate_events WHERE job_id > $1",
            lastIdBefore);
        Check(workingMicros > 0, $"no working window found in the events ({workingMicros} µs)");
        var metrics = new Dictionary<string, double>(cpuMetrics, StringComparer.Ordinal)
        {
            ["working_jobs_per_s"] = count / (workingMicros / 1e6),
        };
        // Backends report their statistics when idle at most every 10 s, or when they exit: close the pool's.
        database.Store.DataSource.Clear();
        var scans = await IndexScansAsync(database) - scansBefore;
        if (history.WorkerQueues is { Length: > 0 and <= 16 })
        {
            for (var wait = 0; scans == 0 && wait < 100; wait++)
            {
                await Task.Delay(200);
                scans = await IndexScansAsync(database) - scansBefore;
            }

            Check(scans > 0, "the queue index was never scanned");
        }

        remarks.Add($"queue index scanned {scans:N0} times");
        if (locks > 0)
        {
            Check(probe.Overlaps == 0, $"{probe.Overlaps} overlapping runs of one lock");
            Check(probe.Runs == count, $"{probe.Runs} runs seen, expected {count}");
            remarks.Add($"no two jobs of one lock overlapped ({probe.Runs:N0} runs checked)");
        }

        return Throughput(count, watch.Elapsed, load, metrics, [.. remarks]);
    }

    /// <summary>
    /// Warm-up, not measured, once per process before the first run of W3, W5*, W3x* or W6: a worker works down
    /// <paramref name="count"/> no-op jobs in a database of its own. The first runs of each code path are JIT-compiled
    /// (tier 0, then tier 1 once called often enough), which a long-running worker pays once; without it the first run
    /// of an invocation spent 60–90 µs more client CPU per job than the next.
    /// </summary>
    private static async Task WarmUpWorkerAsync(BenchServer server, int count)
    {
        await using var database = await server.CreateDatabaseAsync();
        var app = database.App;
        var jobs = Enumerable.Range(0, count)
            .Select(i => app.CreateJob(NoOp.Definition, NoOp.Handle.WriteArgs(new NoOp.Args(i)), new DeferOptions()))
            .ToList();
        foreach (var batch in jobs.Chunk(1_000))
        {
            await app.Store.DeferJobsAsync(batch);
        }

        await BenchServer.ExecuteAsync(database.ConnectionString, "VACUUM ANALYZE procrastinate_jobs");
        var worker = new Worker(app, new WorkerOptions { Name = "warm-up", Concurrency = Concurrency, Wait = false, InstallSignalHandlers = false });
        await worker.RunAsync();
        var succeeded = await database.ScalarAsync("SELECT count(*) FROM procrastinate_jobs WHERE status = 'succeeded'");
        Check(succeeded == count, $"warm-up: expected {count} succeeded, found {succeeded}");
    }

    private static Task<long> IndexScansAsync(BenchDatabase database) => database.ScalarAsync(
        $"SELECT coalesce(sum(idx_scan), 0) FROM pg_stat_user_indexes WHERE indexrelname = '{PostgreSql.PostgreSqlSchemaManager.QueueIndexName}'");

    private static async Task<RunResult> LatencyAsync(BenchServer server, int count)
    {
        const int WarmUpJobs = 50;
        await using var database = await server.CreateDatabaseAsync();
        var worker = new Worker(database.App, new WorkerOptions { Name = "bench", Concurrency = Concurrency, InstallSignalHandlers = false });
        var running = worker.RunAsync();
        await worker.Started;

        // Warm-up, not measured: the first runs of each code path are JIT-compiled, which a long-running worker pays once.
        var warmUp = new LatencyProbe(WarmUpJobs);
        BenchTasks.Probe = warmUp;
        await DeferPacedAsync(WarmUpJobs);
        await Task.WhenAny(warmUp.AllStarted, Task.Delay(TimeSpan.FromSeconds(60)));
        await Task.Delay(200);

        var probe = new LatencyProbe(count);
        BenchTasks.Probe = probe;
        var load = Machine.LoadAverage();
        await DeferPacedAsync(count);

        var all = await Task.WhenAny(probe.AllStarted, Task.Delay(TimeSpan.FromSeconds(60)));
        worker.Stop();
        await running;
        BenchTasks.Probe = null;
        Check(all == probe.AllStarted, $"only {probe.Count} of {count} jobs started within 60 s");
        var latencies = probe.LatenciesMs();
        var metrics = new Dictionary<string, double>(StringComparer.Ordinal)
        {
            ["p50_ms"] = Percentile(latencies, 0.50),
            ["p95_ms"] = Percentile(latencies, 0.95),
            ["p99_ms"] = Percentile(latencies, 0.99),
            ["max_ms"] = latencies[^1],
        };
        return new RunResult(metrics, load, [$"{count} jobs after {WarmUpJobs} not measured, defer-to-start measured from just before each defer call"]);

        static async Task DeferPacedAsync(int jobs)
        {
            var interval = Stopwatch.Frequency / 100; // 10 ms
            var start = Stopwatch.GetTimestamp();
            for (var i = 0; i < jobs; i++)
            {
                var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), start + (i * interval));
                if (wait > TimeSpan.Zero)
                {
                    await Task.Delay(wait);
                }

                await Timed.DeferAsync(Stopwatch.GetTimestamp());
            }
        }
    }

    /// <summary>
    /// W7: the published Native AOT sample as a process (see <see cref="AotWorkerWorkload"/>): start to first fetch over
    /// several starts, RSS idle, peak RSS and throughput working down W3's jobs.
    /// </summary>
    private static async Task<RunResult> AotWorkerAsync(BenchServer server, BenchOptions options)
    {
        var binary = options.AotWorker;
        if (binary is null && options.PublishAotWorker)
        {
            _publishedAotWorker ??= AotWorkerWorkload.PublishAsync();
            binary = await _publishedAotWorker;
        }

        if (binary is null)
        {
            throw new SkipException("W7 measures the published Native AOT sample: pass --aot-worker PATH (the AotWorker binary " +
                "published from samples/AotWorker, see docs/native-aot.md) or --publish-aot-worker.");
        }

        if (!OperatingSystem.IsLinux())
        {
            throw new SkipException("W7 reads memory from /proc and runs the linux-x64 binary: Linux only.");
        }

        var workload = new AotWorkerWorkload(
            Path.GetFullPath(binary), starts: options.Quick ? 3 : 7, jobs: options.Scale(20_000), settle: TimeSpan.FromSeconds(options.Quick ? 2 : 5));
        return await workload.RunAsync(server);
    }

    private static RunResult Throughput(int count, TimeSpan elapsed, string load, params string[] remarks) =>
        Throughput(count, elapsed, load, new Dictionary<string, double>(), remarks);

    private static RunResult Throughput(
        int count, TimeSpan elapsed, string load, IReadOnlyDictionary<string, double> more, params string[] remarks)
    {
        var metrics = new Dictionary<string, double>(more, StringComparer.Ordinal)
        {
            ["jobs_per_s"] = count / elapsed.TotalSeconds,
            ["seconds"] = elapsed.TotalSeconds,
        };
        return new(metrics, load, remarks);
    }

    private static double Percentile(IReadOnlyList<double> sorted, double p) =>
        sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Count) - 1, 0, sorted.Count - 1)];

    internal static void Check(bool condition, string failure)
    {
        if (!condition)
        {
            throw new InvalidOperationException("Benchmark check failed: " + failure);
        }
    }

    /// <summary>Counts runs and catches two running jobs of one lock at once.</summary>
    private sealed class LockProbe : IJobProbe
    {
        private readonly ConcurrentDictionary<string, int> _inFlight = new(StringComparer.Ordinal);
        private int _overlaps;
        private int _runs;

        public int Overlaps => Volatile.Read(ref _overlaps);

        public int Runs => Volatile.Read(ref _runs);

        public void Started(JobContext context, long deferredAt)
        {
            Interlocked.Increment(ref _runs);
            if (context.Job.Lock is { } key && _inFlight.AddOrUpdate(key, 1, static (_, n) => n + 1) > 1)
            {
                Interlocked.Increment(ref _overlaps);
            }
        }

        public void Ending(JobContext context)
        {
            if (context.Job.Lock is { } key)
            {
                _inFlight.AddOrUpdate(key, 0, static (_, n) => n - 1);
            }
        }
    }

    /// <summary>Collects each job's defer-to-start time.</summary>
    private sealed class LatencyProbe(int expected) : IJobProbe
    {
        private readonly ConcurrentBag<double> _latencies = [];
        private readonly TaskCompletionSource _allStarted = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task AllStarted => _allStarted.Task;

        public int Count => _latencies.Count;

        public void Started(JobContext context, long deferredAt)
        {
            _latencies.Add(Stopwatch.GetElapsedTime(deferredAt).TotalMilliseconds);
            if (_latencies.Count >= expected)
            {
                _allStarted.TrySetResult();
            }
        }

        public void Ending(JobContext context)
        {
        }

        public List<double> LatenciesMs() => [.. _latencies.Order()];
    }
}

/// <summary>A workload that cannot run here; reported as skipped, with the reason.</summary>
internal sealed class SkipException(string message) : Exception(message);
