using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Npgsql;
using static Procrastinate.Bench.Workloads;

namespace Procrastinate.Bench;

/// <summary>
/// W7: the published Native AOT sample (samples/AotWorker) as a process, against a fresh database.
/// </summary>
/// <remarks>
/// <para><b>Start to first fetch</b>: one <c>sample.add</c> job is queued, the clock is read, the binary is started
/// (<c>worker --one-shot</c>); the figure is the job's <c>started</c> event time (PostgreSQL's <c>now()</c> of the fetch
/// transaction, i.e. when the server began the fetch that took the job) minus that clock reading. Both are the same
/// host's wall clock, so the server must run on this machine. Repeated over several starts; the run reports the
/// median, min and max. The time the harness reads the worker's <c>listening on</c> line is reported as well.</para>
/// <para><b>Memory idle</b>: a waiting worker with nothing to do, after it printed its <c>listening on</c> line and
/// settled; RSS from <c>/proc/PID/status</c>.</para>
/// <para><b>Under load</b> (W3-like): the jobs are queued first, then a waiting worker at concurrency 10 starts and
/// works them down; throughput is the job count over the time from process start to the last job's finish (its
/// last event); peak RSS is the process's VmHWM read once all are done, before it is stopped with SIGTERM.</para>
/// </remarks>
internal sealed partial class AotWorkerWorkload(string binary, int starts, int jobs, TimeSpan settle)
{
    private const int Concurrency = 10;
    private static readonly TimeSpan ProcessTimeout = TimeSpan.FromMinutes(5);

    public async Task<RunResult> RunAsync(BenchServer server)
    {
        if (!File.Exists(binary))
        {
            throw new InvalidOperationException($"Benchmark check failed: the AOT worker '{binary}' does not exist.");
        }

        await using var database = await server.CreateDatabaseAsync();
        var load = Machine.LoadAverage();
        var firstFetch = new List<double>();
        var ready = new List<double>();
        for (var i = 0; i < starts; i++)
        {
            var (fetchMs, readyMs) = await TimeFirstFetchAsync(database, i);
            firstFetch.Add(fetchMs);
            ready.Add(readyMs);
        }

        var (idleRssKb, idleHwmKb) = await MeasureIdleAsync(database);
        var (jobsPerSecond, seconds, peakKb) = await WorkDownAsync(database);

        var fetchSummary = Summary.Of(firstFetch);
        var metrics = new Dictionary<string, double>(StringComparer.Ordinal)
        {
            ["first_fetch_ms"] = fetchSummary.Median,
            ["first_fetch_min_ms"] = fetchSummary.Min,
            ["first_fetch_max_ms"] = fetchSummary.Max,
            ["ready_line_ms"] = Summary.Of(ready).Median,
            ["idle_rss_mb"] = idleRssKb / 1024.0,
            ["load_peak_rss_mb"] = peakKb / 1024.0,
            ["jobs_per_s"] = jobsPerSecond,
            ["seconds"] = seconds,
        };
        return new RunResult(metrics, load,
        [
            $"binary {binary} ({new FileInfo(binary).Length:N0} bytes)",
            $"start to first fetch over {starts} starts (ms): {Join(firstFetch)}; 'listening on' line read at (ms): {Join(ready)}",
            $"idle after {settle.TotalSeconds:0.#} s: RSS {idleRssKb:N0} kB, VmHWM {idleHwmKb:N0} kB",
            $"{jobs:N0} sample.add jobs at concurrency {Concurrency}, INFO log (2 lines per job) read through a pipe: " +
                $"{seconds:0.00} s from process start to the last finish, VmHWM {peakKb:N0} kB; all succeeded",
        ]);
    }

    /// <summary>One start: a job is waiting; returns (process start to the fetch that took it, to the listening line) in ms.</summary>
    private async Task<(double FirstFetchMs, double ReadyMs)> TimeFirstFetchAsync(BenchDatabase database, int index)
    {
        var jobId = await ScalarAsync<long>(database,
            $"INSERT INTO procrastinate_jobs (queue_name, task_name, args) VALUES ('default', 'sample.add', '{{\"a\": {index}, \"b\": 1}}') RETURNING id");
        var startedAt = DateTimeOffset.UtcNow;
        using var worker = WorkerProcess.Start(binary, database.ConnectionString, ["worker", "--one-shot"]);
        await worker.WaitForExitAsync(ProcessTimeout);
        var fetchedAt = await ScalarAsync<DateTime>(database,
            $"SELECT at FROM procrastinate_events WHERE job_id = {jobId} AND type = 'started'");
        var status = await ScalarAsync<string>(database, $"SELECT status::text FROM procrastinate_jobs WHERE id = {jobId}");
        Check(status == "succeeded", $"job {jobId} ended {status}, not succeeded; worker said: {worker.Tail()}");
        Check(worker.ReadyAfter is not null, $"the worker never printed its 'listening on' line: {worker.Tail()}");
        return ((new DateTimeOffset(fetchedAt, TimeSpan.Zero) - startedAt).TotalMilliseconds, worker.ReadyAfter!.Value.TotalMilliseconds);
    }

    private async Task<(long RssKb, long HwmKb)> MeasureIdleAsync(BenchDatabase database)
    {
        using var worker = WorkerProcess.Start(binary, database.ConnectionString, ["worker"]);
        await worker.WaitForReadyAsync(ProcessTimeout);
        await Task.Delay(settle);
        var memory = worker.Memory();
        await worker.StopAsync(ProcessTimeout);
        return memory;
    }

    private async Task<(double JobsPerSecond, double Seconds, long PeakKb)> WorkDownAsync(BenchDatabase database)
    {
        await BenchServer.ExecuteAsync(database.ConnectionString, $"""
            INSERT INTO procrastinate_jobs (queue_name, task_name, args)
            SELECT 'default', 'sample.add', jsonb_build_object('a', i, 'b', 1) FROM generate_series(1, {jobs}) AS i
            """);
        await BenchServer.ExecuteAsync(database.ConnectionString, "VACUUM ANALYZE procrastinate_jobs");
        var startedAt = DateTimeOffset.UtcNow;
        using var worker = WorkerProcess.Start(binary, database.ConnectionString, ["worker", "--concurrency", Concurrency.ToString(CultureInfo.InvariantCulture)]);
        var deadline = Stopwatch.StartNew();
        while (await ScalarAsync<long>(database, "SELECT count(*) FROM procrastinate_jobs WHERE status IN ('todo', 'doing')") > 0)
        {
            Check(!worker.HasExited, $"the worker exited before the jobs were done: {worker.Tail()}");
            Check(deadline.Elapsed < ProcessTimeout, $"jobs left after {ProcessTimeout.TotalMinutes} min");
            await Task.Delay(250);
        }

        var (_, peakKb) = worker.Memory();
        await worker.StopAsync(ProcessTimeout);
        var succeeded = await ScalarAsync<long>(database, "SELECT count(*) FROM procrastinate_jobs WHERE status = 'succeeded'");
        Check(succeeded == jobs + starts, $"expected {jobs + starts} succeeded jobs, found {succeeded}");
        var lastFinish = await ScalarAsync<DateTime>(database,
            "SELECT max(at) FROM procrastinate_events WHERE type = 'succeeded'");
        var seconds = (new DateTimeOffset(lastFinish, TimeSpan.Zero) - startedAt).TotalSeconds;
        return (jobs / seconds, seconds, peakKb);
    }

    /// <summary>
    /// Publishes samples/AotWorker (Native AOT, linux-x64, as docs/native-aot.md says) into the build output of the
    /// harness and returns the binary; for <c>--publish-aot-worker</c>.
    /// </summary>
    public static async Task<string> PublishAsync()
    {
        var project = FindSampleProject();
        var output = Path.Combine(AppContext.BaseDirectory, "aot-worker");
        Console.Write($"publishing {project} (Native AOT, a few minutes) ... ");
        var info = new ProcessStartInfo("dotnet")
        {
            ArgumentList =
            {
                "publish", project, "-c", "Release", "-r", "linux-x64", "-p:CppCompilerAndLinker=gcc",
                "--artifacts-path", Path.Combine(output, "artifacts"), "-o", Path.Combine(output, "bin"), "-nodeReuse:false",
            },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        using var publish = Process.Start(info)!;
        var log = publish.StandardOutput.ReadToEndAsync();
        var errors = publish.StandardError.ReadToEndAsync();
        await publish.WaitForExitAsync();
        Check(publish.ExitCode == 0, $"dotnet publish of {project} failed:{Environment.NewLine}{await log}{await errors}");
        Console.WriteLine("done");
        return Path.Combine(output, "bin", "AotWorker");
    }

    private static string FindSampleProject()
    {
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var directory = new DirectoryInfo(start); directory is not null; directory = directory.Parent)
            {
                var project = Path.Combine(directory.FullName, "samples", "AotWorker", "AotWorker.csproj");
                if (File.Exists(project))
                {
                    return project;
                }
            }
        }

        throw new InvalidOperationException("Benchmark check failed: samples/AotWorker/AotWorker.csproj not found above the current directory.");
    }

    private static async Task<T> ScalarAsync<T>(BenchDatabase database, string sql)
    {
        await using var connection = await database.Store.DataSource.OpenConnectionAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync();
        Check(await reader.ReadAsync() && !reader.IsDBNull(0), $"no value from: {sql}");
        return reader.GetFieldValue<T>(0);
    }

    private static string Join(IEnumerable<double> values) =>
        string.Join(" ", values.Select(v => v.ToString("0.0", CultureInfo.InvariantCulture)));

    /// <summary>The worker binary as a child process: stderr read line by line, the listening line timed.</summary>
    private sealed partial class WorkerProcess : IDisposable
    {
        private readonly Process _process;
        private readonly Stopwatch _sinceStart;
        private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly Queue<string> _tail = new();
        private long _readyTicks = -1;

        private WorkerProcess(Process process, Stopwatch sinceStart)
        {
            _process = process;
            _sinceStart = sinceStart;
        }

        /// <summary>From process start to the moment the harness read the worker's "listening on" line.</summary>
        public TimeSpan? ReadyAfter => Interlocked.Read(ref _readyTicks) is var ticks && ticks >= 0 ? TimeSpan.FromTicks(ticks) : null;

        public bool HasExited => _process.HasExited;

        public static WorkerProcess Start(string binary, string connectionString, IReadOnlyList<string> args)
        {
            var info = new ProcessStartInfo(binary)
            {
                RedirectStandardError = true,
                RedirectStandardOutput = true,
                UseShellExecute = false,
            };
            foreach (var arg in args)
            {
                info.ArgumentList.Add(arg);
            }

            info.Environment["PROCRASTINATE_DSN"] = connectionString;
            var process = new Process { StartInfo = info };
            var sinceStart = Stopwatch.StartNew();
            var worker = new WorkerProcess(process, sinceStart);
            process.ErrorDataReceived += (_, e) => worker.OnLine(e.Data);
            process.OutputDataReceived += (_, _) => { };
            process.Start();
            process.BeginErrorReadLine();
            process.BeginOutputReadLine();
            return worker;
        }

        public async Task WaitForReadyAsync(TimeSpan timeout)
        {
            var exited = _process.WaitForExitAsync();
            var first = await Task.WhenAny(_ready.Task, exited, Task.Delay(timeout));
            Check(first == _ready.Task, $"the worker did not print its 'listening on' line: {Tail()}");
        }

        public async Task WaitForExitAsync(TimeSpan timeout)
        {
            using var cts = new CancellationTokenSource(timeout);
            try
            {
                await _process.WaitForExitAsync(cts.Token);
            }
            catch (OperationCanceledException)
            {
                _process.Kill();
                throw new InvalidOperationException($"Benchmark check failed: the worker did not exit within {timeout}: {Tail()}");
            }

            Check(_process.ExitCode == 0, $"the worker exited with {_process.ExitCode}: {Tail()}");
        }

        /// <summary>Stops it as an operator would (SIGTERM: graceful), and checks it exits cleanly.</summary>
        public async Task StopAsync(TimeSpan timeout)
        {
            using (var kill = Process.Start(new ProcessStartInfo("kill", ["-TERM", _process.Id.ToString(CultureInfo.InvariantCulture)]) { UseShellExecute = false }))
            {
                await kill!.WaitForExitAsync();
            }

            await WaitForExitAsync(timeout);
        }

        /// <summary>VmRSS and VmHWM (peak RSS) of the running process, in kB.</summary>
        public (long RssKb, long HwmKb) Memory()
        {
            var status = File.ReadAllText($"/proc/{_process.Id}/status");
            return (Field(status, "VmRSS"), Field(status, "VmHWM"));

            static long Field(string status, string name) =>
                StatusField().Matches(status).FirstOrDefault(m => m.Groups[1].Value == name) is { } match
                    ? long.Parse(match.Groups[2].Value, CultureInfo.InvariantCulture)
                    : throw new InvalidOperationException($"Benchmark check failed: no {name} in /proc/PID/status.");
        }

        public string Tail()
        {
            lock (_tail)
            {
                return string.Join(" | ", _tail);
            }
        }

        public void Dispose()
        {
            if (!_process.HasExited)
            {
                _process.Kill();
                _process.WaitForExit();
            }

            _process.Dispose();
        }

        private void OnLine(string? line)
        {
            if (line is null)
            {
                return;
            }

            if (line.Contains(" listening on ", StringComparison.Ordinal) && _readyTicks < 0)
            {
                Interlocked.Exchange(ref _readyTicks, _sinceStart.Elapsed.Ticks);
                _ready.TrySetResult();
            }

            lock (_tail)
            {
                _tail.Enqueue(line);
                if (_tail.Count > 20)
                {
                    _tail.Dequeue();
                }
            }
        }

        [GeneratedRegex(@"^(Vm\w+):\s+(\d+) kB", RegexOptions.Multiline)]
        private static partial Regex StatusField();
    }
}
