using System.Globalization;

namespace Procrastinate.Bench;

/// <summary>
/// What the table holds before a work-down workload defers its jobs, which queues those jobs go to and which queues the
/// worker takes. Finished jobs are written with <c>generate_series</c> (an event each), not deferred one by one.
/// </summary>
/// <param name="Key">The template's name part; <see langword="null"/> for an empty table.</param>
/// <param name="Finished">Finished (<c>succeeded</c>) jobs, each with one event.</param>
/// <param name="FinishedQueues">The queues the finished jobs are spread over (job <c>i</c> in queue <c>i % n</c>).</param>
/// <param name="OtherQueued">Waiting jobs of queues the worker does not take, older (smaller ids) than its own.</param>
/// <param name="OtherQueues">How many such queues (<c>other_0</c>...).</param>
/// <param name="JobQueues">The queues the worker's jobs go to (job <c>i</c> in queue <c>i % n</c>).</param>
/// <param name="WorkerQueues">The worker's queues; <see langword="null"/> for all.</param>
/// <param name="Cached">Keep the template across invocations (on a server given with <c>--dsn</c>).</param>
internal sealed record History(
    string? Key,
    int Finished,
    string[] FinishedQueues,
    int OtherQueued,
    int OtherQueues,
    string[] JobQueues,
    string[]? WorkerQueues,
    bool Cached = false)
{
    private static readonly string[] Default = ["default"];

    /// <summary>Drop the queue index and add it back with the opt-in API before the run (W5i).</summary>
    public bool OptInIndex { get; init; }

    public static History None { get; } = new(null, 0, Default, 0, 0, Default, null);

    public static History W5(int finished, int otherQueued) =>
        new($"w5_{finished}_{otherQueued}", finished, Default, otherQueued, 100, Default, Default);

    public static History W5q(int finished, int otherQueued)
    {
        string[] mine = ["q_0", "q_1", "q_2"];
        return new($"w5q_{finished}_{otherQueued}", finished, mine, otherQueued, 97, mine, mine);
    }

    public static History W5a(int finished)
    {
        var all = Enumerable.Range(0, 100).Select(i => "q_" + i.ToString(CultureInfo.InvariantCulture)).ToArray();
        return new($"w5a_{finished}", finished, all, 0, 0, all, null);
    }

    public static History WithFinished(int finished, bool cached) => new($"w3x_{finished}", finished, Default, 0, 0, Default, null, cached);

    public string JobQueue(int i) => JobQueues[i % JobQueues.Length];

    /// <summary>Writes the history: other queues' waiting jobs first (smaller ids), then the finished jobs and their events.</summary>
    public async Task FillAsync(string connectionString)
    {
        var finishedQueues = "ARRAY[" + string.Join(",", FinishedQueues.Select(q => "'" + q + "'")) + "]::varchar[]";
        var n = FinishedQueues.Length.ToString(CultureInfo.InvariantCulture);
        await BenchServer.ExecuteAsync(connectionString, string.Create(CultureInfo.InvariantCulture, $"""
            INSERT INTO procrastinate_jobs (queue_name, task_name, args)
            SELECT 'other_' || (i % {Math.Max(OtherQueues, 1)}), 'bench.noop', jsonb_build_object('n', i) FROM generate_series(1, {OtherQueued}) AS i;
            -- Finished rows fire no trigger of the contract (they are inserted finished); the events' foreign key
            -- checks are skipped for the bulk load (replica role: the rows are consistent by construction).
            SET session_replication_role = replica;
            INSERT INTO procrastinate_jobs (queue_name, task_name, args, status, attempts)
            SELECT ({finishedQueues})[1 + i % {n}], 'bench.noop', jsonb_build_object('n', i), 'succeeded', 1
            FROM generate_series(1, {Finished}) AS i;
            INSERT INTO procrastinate_events (job_id, type, at)
            SELECT id, 'succeeded', now() FROM procrastinate_jobs WHERE status = 'succeeded';
            RESET session_replication_role;
            """));
    }
}
