using System.Diagnostics;
using System.Globalization;
using System.Text;
using Npgsql;
using Procrastinate.PostgreSql.Internal;
using Procrastinate.Storage;
using Procrastinate.Testing.PostgreSql;
using static Procrastinate.Bench.BenchTasks;

namespace Procrastinate.Bench;

/// <summary>
/// C1, C2 and C3: the database's ceiling for W1, W2 and W3. pgbench (prepared statements, one connection, no client
/// work) sends the statements the store sends for the workload (the text of <c>SqlQueries</c>, parameters as pgbench
/// variables), in a fresh database prepared like the workload's, and the run's jobs/s is what the server allows.
/// </summary>
internal static class Ceilings
{
    private const int Batch = 1_000;
    private const int FetchLimit = 10;

    /// <summary>C1: <c>defer_job</c> once per transaction, the values of W1's jobs as pgbench variables.</summary>
    public static async Task<RunResult> DeferOneAsync(BenchServer server, BenchOptions options, int count)
    {
        var pgbench = Find(options);
        await using var database = await server.CreateDatabaseAsync();
        var job = database.App.CreateJob(NoOp.Definition, NoOp.Handle.WriteArgs(new NoOp.Args(count)), new DeferOptions());

        // defer_job: ($1 queue, $2 task, $3 priority, $4 lock, $5 queueing lock, $6 args, $7 scheduled_at); W1's jobs have
        // no lock, queueing lock nor schedule, which the store sends as NULL parameters and this script as NULL.
        var sql = Parameters(SqlQueries.DeferJob, ":queue", ":task", ":priority", "NULL", "NULL", ":args", "NULL");
        var result = await RunPgbenchAsync(pgbench, database, sql + ";\n", transactions: count, rowsPerTransaction: 1, new Dictionary<string, string>
        {
            ["queue"] = job.Queue,
            ["task"] = job.TaskName,
            ["priority"] = job.Priority.ToString(CultureInfo.InvariantCulture),
            ["args"] = job.Args,
        });
        var stored = await database.ScalarAsync("SELECT count(*) FROM procrastinate_jobs WHERE status = 'todo'");
        Workloads.Check(stored == count, $"expected {count} waiting jobs, found {stored}");
        return result.With($"{stored:N0} jobs stored by pgbench (defer_job, prepared, one connection)");
    }

    /// <summary>
    /// C2: <c>defer_jobs</c> with W2's 1,000 rows per transaction, the seven arrays as pgbench variables (text array
    /// literals, parsed by the server at every execution as the store's binary arrays are).
    /// </summary>
    public static async Task<RunResult> DeferBatchAsync(BenchServer server, BenchOptions options, int count)
    {
        var pgbench = Find(options);
        await using var database = await server.CreateDatabaseAsync();
        var size = Math.Min(Batch, count);
        var jobs = Enumerable.Range(0, size)
            .Select(i => database.App.CreateJob(NoOp.Definition, NoOp.Handle.WriteArgs(new NoOp.Args(i)), new DeferOptions()))
            .ToList();
        var sql = Parameters(SqlQueries.DeferJobs, ":queues", ":tasks", ":priorities", ":locks", ":queueing_locks", ":args", ":scheduled");
        var result = await RunPgbenchAsync(pgbench, database, sql + ";\n", transactions: count / size, rowsPerTransaction: size, new Dictionary<string, string>
        {
            ["queues"] = ArrayLiteral(jobs.Select(j => j.Queue)),
            ["tasks"] = ArrayLiteral(jobs.Select(j => j.TaskName)),
            ["priorities"] = ArrayLiteral(jobs.Select(j => j.Priority.ToString(CultureInfo.InvariantCulture))),
            ["locks"] = ArrayLiteral(jobs.Select(j => j.Lock)),
            ["queueing_locks"] = ArrayLiteral(jobs.Select(j => j.QueueingLock)),
            ["args"] = ArrayLiteral(jobs.Select(j => j.Args)),
            ["scheduled"] = ArrayLiteral(jobs.Select(j => j.ScheduledAt?.ToString("O", CultureInfo.InvariantCulture))),
        });
        var stored = await database.ScalarAsync("SELECT count(*) FROM procrastinate_jobs WHERE status = 'todo'");
        Workloads.Check(stored == count / size * size, $"expected {count / size * size} waiting jobs, found {stored}");
        return result.With($"{stored:N0} jobs stored by pgbench (defer_jobs, {size:N0} rows per statement, prepared, one connection)");
    }

    /// <summary>
    /// C3: W3's cycle without a client. W3's jobs are queued the way W3 queues them and a worker is registered; the
    /// store's fetch takes the first 10; then each pgbench transaction is one pipeline (one round trip, one implicit
    /// transaction, as the store's <c>NpgsqlBatch</c>): <c>jit_off</c>, <c>finish_jobs</c> of the 10 jobs the previous fetch took
    /// (they are <c>doing</c>: a job that is not fails the statement, and pgbench with it), then <c>fetch_jobs</c> of
    /// 10. One connection fetches in (priority, id) order, so the ids the next transaction finishes are known.
    /// </summary>
    public static async Task<RunResult> FinishAndFetchAsync(BenchServer server, BenchOptions options, int count)
    {
        var pgbench = Find(options);
        await using var database = await server.CreateDatabaseAsync();
        var (workerId, first) = await QueueAndTakeFirstAsync(database, count);
        var firstId = await database.ScalarAsync("SELECT min(id) FROM procrastinate_jobs");
        Workloads.Check(
            first.Select(j => j.Id).SequenceEqual(Enumerable.Range(0, FetchLimit).Select(i => firstId + i)),
            "the first fetch did not take the first 10 jobs");

        // jit_off, which the store sends ahead of every fetch in the same round trip; finish_jobs ($1 ids, $2 statuses, $3
        // delete flags, $4 the worker fencing each outcome) as the worker sends it for 10 no-op jobs that succeeded (kept,
        // not deleted); fetch_jobs with the literal LIMIT 10 for a worker of all queues as the store sends it
        // (SqlQueries.FetchJobsOfAllQueues: no queue condition, $1 unused; $2 worker id).
        var ids = string.Join(", ", Enumerable.Range(0, FetchLimit).Select(i => ":i" + i.ToString(CultureInfo.InvariantCulture)));
        var finish = Parameters(
            SqlQueries.FinishJobs,
            $"ARRAY[{ids}]",
            ArrayText(Enumerable.Repeat(JobStatus.Succeeded.ToName(), FetchLimit)),
            ArrayText(Enumerable.Repeat("false", FetchLimit)),
            $"ARRAY[{string.Join(", ", Enumerable.Repeat(":worker", FetchLimit))}]");
        var fetch = Parameters(SqlQueries.FetchJobsOfAllQueues(FetchLimit), null, ":worker");
        var script = new StringBuilder();
        for (var i = 0; i < FetchLimit; i++)
        {
            script.Append(CultureInfo.InvariantCulture, $"\\set i{i} :k + {i}\n");
        }

        script.Append("\\startpipeline\n").Append(SqlQueries.JitOff).Append(";\n").Append(finish).Append(";\n").Append(fetch).Append(";\n")
            .Append("\\endpipeline\n")
            .Append(CultureInfo.InvariantCulture, $"\\set k :k + {FetchLimit}\n");
        var cycles = (count / FetchLimit) - 1;
        var result = await RunPgbenchAsync(pgbench, database, script.ToString(), transactions: cycles, rowsPerTransaction: FetchLimit, new Dictionary<string, string>
        {
            ["k"] = firstId.ToString(CultureInfo.InvariantCulture),
            ["worker"] = workerId.ToString(CultureInfo.InvariantCulture),
        });
        var succeeded = await database.ScalarAsync("SELECT count(*) FROM procrastinate_jobs WHERE status = 'succeeded'");
        var doing = await database.ScalarAsync("SELECT count(*) FROM procrastinate_jobs WHERE status = 'doing'");
        // The fence drops an outcome without an error when its job is not running on the worker: none may be dropped.
        Workloads.Check(succeeded == (long)cycles * FetchLimit && doing == FetchLimit,
            $"expected {cycles * FetchLimit} succeeded and {FetchLimit} running, found {succeeded} and {doing}");
        return result.With($"{cycles:N0} cycles of finish {FetchLimit} + fetch {FetchLimit} in one pipeline by pgbench " +
            $"(prepared, one connection): {succeeded:N0} jobs finished, every one of them running when finished");
    }

    /// <summary>
    /// C3s, a diagnostic beside C3: W3's cycle through the store (<c>FinishAndFetchJobsAsync</c>: finish the 10 jobs the
    /// last call took, fetch 10), awaited in one loop, with no worker around it. Set up as C3; timed from the first
    /// cycle to the last. Between C3 (pgbench) and W3 (the worker), it shows how much of W3's gap is the store's round
    /// trip through Npgsql and how much the worker's own.
    /// </summary>
    public static async Task<RunResult> FinishAndFetchThroughStoreAsync(BenchServer server, int count)
    {
        await using var database = await server.CreateDatabaseAsync();
        var store = database.Store;
        var (workerId, taken) = await QueueAndTakeFirstAsync(database, count);
        var parameters = new FetchJobsParams(workerId, null, FetchLimit);
        var load = Machine.LoadAverage();
        var cpu = await CpuProbe.StartAsync(database.ConnectionString);
        var watch = Stopwatch.StartNew();
        var finished = 0;
        while (taken.Count > 0)
        {
            var completions = taken.Select(j => new JobCompletion(j.Id, JobStatus.Succeeded, false) { WorkerId = workerId }).ToList();
            taken = await store.FinishAndFetchJobsAsync(completions, parameters);
            finished += completions.Count;
        }

        watch.Stop();
        var cpuMetrics = await cpu.StopAsync(finished);
        var succeeded = await database.ScalarAsync("SELECT count(*) FROM procrastinate_jobs WHERE status = 'succeeded'");
        Workloads.Check(succeeded == count && finished == count, $"expected {count} succeeded, found {succeeded} ({finished} finished)");
        var metrics = new Dictionary<string, double>(cpuMetrics, StringComparer.Ordinal)
        {
            ["jobs_per_s"] = finished / watch.Elapsed.TotalSeconds,
            ["seconds"] = watch.Elapsed.TotalSeconds,
        };
        return new RunResult(metrics, load, [$"{count / FetchLimit:N0} cycles of finish + fetch through the store, one loop, no worker"]);
    }

    /// <summary>
    /// W3's setup for C3 and C3s: its jobs deferred as W3 defers them, <c>VACUUM ANALYZE</c>, a worker registered and its
    /// first 10 jobs fetched by the store.
    /// </summary>
    private static async Task<(long WorkerId, IReadOnlyList<Job> First)> QueueAndTakeFirstAsync(BenchDatabase database, int count)
    {
        var app = database.App;
        var jobs = Enumerable.Range(0, count)
            .Select(i => app.CreateJob(NoOp.Definition, NoOp.Handle.WriteArgs(new NoOp.Args(i)), new DeferOptions()))
            .ToList();
        foreach (var batch in jobs.Chunk(Batch))
        {
            await app.Store.DeferJobsAsync(batch);
        }

        await BenchServer.ExecuteAsync(database.ConnectionString, "VACUUM ANALYZE procrastinate_jobs");
        var workerId = await database.Store.RegisterWorkerAsync();
        return (workerId, await database.Store.FetchJobsAsync(new FetchJobsParams(workerId, null, FetchLimit)));
    }

    /// <summary>pgbench: <c>--pgbench</c>, else next to the server binaries, else on <c>PATH</c>; skipped when none.</summary>
    private static string Find(BenchOptions options)
    {
        if (options.Pgbench is { } given)
        {
            return File.Exists(given) ? given : throw new SkipException($"--pgbench {given}: no such file.");
        }

        var candidates = new List<string>();
        if (PostgresBinaries.FindBinDirectory() is { } bin)
        {
            candidates.Add(Path.Combine(bin, "pgbench"));
        }

        candidates.AddRange((Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator)
            .Where(d => d.Length > 0).Select(d => Path.Combine(d, "pgbench")));
        return candidates.FirstOrDefault(File.Exists)
            ?? throw new SkipException("pgbench was not found (next to the PostgreSQL binaries, nor on PATH; or give --pgbench PATH): no ceiling measured.");
    }

    /// <summary>
    /// Replaces <c>$1</c>, <c>$2</c>... of <paramref name="sql"/> by the given texts (pgbench variables or SQL); a
    /// <see langword="null"/> text stands for a parameter the statement does not use.
    /// </summary>
    private static string Parameters(string sql, params string?[] values)
    {
        // From the highest number down, so that $1 never matches the start of $10.
        for (var n = values.Length; n >= 1; n--)
        {
            var parameter = "$" + n.ToString(CultureInfo.InvariantCulture);
            var used = sql.Contains(parameter, StringComparison.Ordinal);
            Workloads.Check(used == values[n - 1] is not null, $"the statement {(used ? "uses" : "has no")} {parameter}");
            sql = values[n - 1] is { } value ? sql.Replace(parameter, value, StringComparison.Ordinal) : sql;
        }

        Workloads.Check(!sql.Contains('$', StringComparison.Ordinal), "the statement has a parameter left");
        return sql;
    }

    /// <summary>A PostgreSQL array literal (the text form), <c>NULL</c> for null elements.</summary>
    private static string ArrayLiteral(IEnumerable<string?> values) =>
        "{" + string.Join(",", values.Select(v => v is null ? "NULL" : "\"" + v.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"")) + "}";

    /// <summary>An array literal as a quoted SQL string (for values that are the same at every execution).</summary>
    private static string ArrayText(IEnumerable<string> values) => "'" + ArrayLiteral(values).Replace("'", "''", StringComparison.Ordinal) + "'";

    private static async Task<RunResult> RunPgbenchAsync(
        string pgbench, BenchDatabase database, string script, int transactions, int rowsPerTransaction, IReadOnlyDictionary<string, string> variables)
    {
        var file = Path.Combine(Path.GetTempPath(), $"procrastinate-ceiling-{Guid.NewGuid():N}.sql");
        await File.WriteAllTextAsync(file, script);
        try
        {
            var connection = new NpgsqlConnectionStringBuilder(database.ConnectionString);
            var start = new ProcessStartInfo(pgbench)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            foreach (var argument in new[]
                     {
                         "-n", "-M", "prepared", "-c", "1", "-j", "1", "-t", transactions.ToString(CultureInfo.InvariantCulture),
                         "-f", file, "-h", connection.Host ?? "localhost", "-p", connection.Port.ToString(CultureInfo.InvariantCulture),
                         "-U", connection.Username ?? "postgres",
                     })
            {
                start.ArgumentList.Add(argument);
            }

            foreach (var (name, value) in variables)
            {
                start.ArgumentList.Add("-D");
                start.ArgumentList.Add(name + "=" + value);
            }

            start.ArgumentList.Add(connection.Database ?? "postgres");
            var application = $"procrastinate-ceiling-{Guid.NewGuid():N}";
            start.Environment["PGAPPNAME"] = application;
            if (connection.Password is { Length: > 0 } password)
            {
                start.Environment["PGPASSWORD"] = password;
            }

            var load = Machine.LoadAverage();
            var ticksBefore = await CpuProbe.EndedBackendTicksAsync(database.ConnectionString);
            using var process = Process.Start(start) ?? throw new InvalidOperationException("pgbench did not start");
            var output = process.StandardOutput.ReadToEndAsync();
            var error = process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync();
            var text = await output;
            var failures = await error;
            Workloads.Check(process.ExitCode == 0, $"pgbench exited with {process.ExitCode}: {failures.Trim()}");
            var processed = Field(text, "number of transactions actually processed: ");
            Workloads.Check(processed.StartsWith(transactions.ToString(CultureInfo.InvariantCulture) + "/", StringComparison.Ordinal),
                $"pgbench processed {processed} transactions, expected {transactions}");
            var tps = double.Parse(Field(text, "tps = ").Split(' ')[0], CultureInfo.InvariantCulture);
            var latency = double.Parse(Field(text, "latency average = ").Split(' ')[0], CultureInfo.InvariantCulture);
            var metrics = new Dictionary<string, double>(StringComparer.Ordinal)
            {
                ["jobs_per_s"] = tps * rowsPerTransaction,
                ["transaction_ms"] = latency,
            };
            // The postmaster adds a backend's times to its children's once it has reaped it, shortly after the exit.
            for (var wait = 0; wait < 50 && await database.ScalarAsync($"SELECT count(*) FROM pg_stat_activity WHERE application_name = '{application}'") > 0; wait++)
            {
                await Task.Delay(100);
            }

            await Task.Delay(300);
            if (await CpuProbe.EndedBackendsCpuPerJobAsync(database.ConnectionString, ticksBefore, transactions * rowsPerTransaction) is { } server)
            {
                metrics["server_cpu_us_per_job"] = server;
            }

            return new RunResult(metrics, load, []);
        }
        finally
        {
            File.Delete(file);
        }
    }

    private static string Field(string output, string prefix)
    {
        var line = output.Split('\n').FirstOrDefault(l => l.StartsWith(prefix, StringComparison.Ordinal))
            ?? throw new InvalidOperationException($"pgbench printed no '{prefix.Trim()}' line:\n{output}");
        return line[prefix.Length..].Trim();
    }

    private static RunResult With(this RunResult result, string remark) => result with { Remarks = [.. result.Remarks, remark] };
}
