using System.Diagnostics;
using System.Globalization;
using Procrastinate.Storage;

namespace Procrastinate.Bench;

/// <summary>
/// F1: the store's fetch alone, timed call by call, on a table whose history and backlog are both spread over 100
/// queues, as in a production database of many queues: each queue holds 1 % of the finished and 1 % of the waiting
/// jobs. The worker's queues are then a small share of the table, which is where PostgreSQL's estimates for the fetch
/// statements are highest (and where it once JIT-compiled every fetch: see queries.sql, <c>jit_off</c>). One worker
/// fetches 10 jobs at a time for one queue, 3 queues, 20 queues (more than the store's 16 with a statement of their
/// own) and all queues; each batch is finished before the next fetch, as a worker does.
/// </summary>
internal static class FetchWorkload
{
    private const int Queues = 100;
    private const int Limit = 10;

    // A prepared statement gets its generic plan after five executions; the warm-up fetches cover that.
    private const int WarmUp = 6;
    private const int Measured = 50;

    /// <summary>The fewest waiting jobs a run needs: every fetch of the one-queue set takes 10 of that queue's.</summary>
    public const int MinWaiting = Queues * (WarmUp + Measured) * Limit;

    /// <summary>
    /// The fixture: <paramref name="finished"/> succeeded jobs (an event each, written as <see cref="History"/> writes
    /// them) and then <paramref name="waiting"/> waiting ones, job <c>i</c> of each in queue <c>q_(i % 100)</c>.
    /// </summary>
    public static async Task FillAsync(string connectionString, int finished, int waiting)
    {
        var all = QueueNames(0, Queues);
        await new History(null, finished, all, OtherQueued: 0, OtherQueues: 0, all, WorkerQueues: null).FillAsync(connectionString);
        await BenchServer.ExecuteAsync(connectionString, string.Create(CultureInfo.InvariantCulture, $"""
            INSERT INTO procrastinate_jobs (queue_name, task_name, args)
            SELECT 'q_' || (i % {Queues}), 'bench.noop', jsonb_build_object('n', i) FROM generate_series(1, {waiting}) AS i;
            """));
    }

    public static async Task<RunResult> RunAsync(BenchServer server, int finished, int waiting)
    {
        await using var database = await server.CreateDatabaseAsync($"f1_{finished}_{waiting}", cs => FillAsync(cs, finished, waiting));
        await BenchServer.ExecuteAsync(database.ConnectionString, "VACUUM ANALYZE procrastinate_jobs");
        var store = database.Store;
        var worker = await store.RegisterWorkerAsync();
        var perQueue = waiting / Queues;
        Workloads.Check(perQueue >= (WarmUp + Measured) * Limit, $"{perQueue} waiting jobs per queue are too few for a run");
        (string Name, string[]? Queues)[] sets =
        [
            ("1q", QueueNames(0, 1)),
            ("3q", QueueNames(1, 3)),
            ("20q", QueueNames(4, 20)),
            ("all", null),
        ];

        var load = Machine.LoadAverage();
        var metrics = new Dictionary<string, double>(StringComparer.Ordinal);
        var taken = 0;
        foreach (var (name, queues) in sets)
        {
            var times = new List<double>(Measured);
            for (var i = 0; i < WarmUp + Measured; i++)
            {
                var start = Stopwatch.GetTimestamp();
                var jobs = await store.FetchJobsAsync(new FetchJobsParams(worker, queues, Limit));
                var elapsed = Stopwatch.GetElapsedTime(start);
                Workloads.Check(jobs.Count == Limit, $"a fetch for {name} took {jobs.Count} jobs, expected {Limit}");
                Workloads.Check(
                    queues is null || jobs.All(job => queues.Contains(job.Queue)),
                    $"a fetch for {name} took a job of another queue");
                if (i >= WarmUp)
                {
                    times.Add(elapsed.TotalMilliseconds);
                }

                await store.FinishJobsAsync(jobs.Select(job => new JobCompletion(job.Id, JobStatus.Succeeded, false) { WorkerId = worker }).ToList());
                taken += jobs.Count;
            }

            times.Sort();
            metrics[$"fetch_{name}_p50_ms"] = times[times.Count / 2];
            metrics[$"fetch_{name}_p90_ms"] = times[times.Count * 9 / 10];
        }

        await store.UnregisterWorkerAsync(worker);
        var succeeded = await database.ScalarAsync("SELECT count(*) FROM procrastinate_jobs WHERE status = 'succeeded'");
        Workloads.Check(succeeded == finished + taken, $"expected {finished + taken} succeeded jobs, found {succeeded}");
        return new RunResult(metrics, load,
        [
            string.Create(CultureInfo.InvariantCulture, $"{taken:N0} jobs fetched and finished, {Measured} timed fetches of {Limit} per queue set"),
        ]);
    }

    private static string[] QueueNames(int first, int count) =>
        Enumerable.Range(first, count).Select(i => "q_" + i.ToString(CultureInfo.InvariantCulture)).ToArray();
}
