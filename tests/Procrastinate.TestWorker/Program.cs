using System.Globalization;
using Microsoft.Extensions.Logging;
using Procrastinate;
using Procrastinate.Generated;
using Procrastinate.PostgreSql;
using Procrastinate.TestWorker;

if (args is ["start-server"])
{
    return await ServerStart.RunAsync();
}

// Runs one worker on the database of PROCRASTINATE_TEST_WORKER_DSN until stopped, with a short heartbeat
// (PROCRASTINATE_TEST_WORKER_HEARTBEAT_MS) so that tests see it stall soon after it is killed. Optional:
// PROCRASTINATE_TEST_WORKER_CONCURRENCY, PROCRASTINATE_TEST_WORKER_GRACEFUL_TIMEOUT_MS,
// PROCRASTINATE_TEST_WORKER_ABORT_TIMEOUT_MS, PROCRASTINATE_TEST_WORKER_POOL_MAX_THREADS (caps the thread pool, as a
// small machine's pool holds few threads), PROCRASTINATE_TEST_WORKER_LOG=1 (the worker's log lines on stdout). Exits with
// 3 when it left jobs that ignored their abort.
var dsn = Environment.GetEnvironmentVariable("PROCRASTINATE_TEST_WORKER_DSN");
if (string.IsNullOrEmpty(dsn))
{
    await Console.Error.WriteLineAsync("Set PROCRASTINATE_TEST_WORKER_DSN to the connection string of the database to work.");
    return 2;
}

if (Environment.GetEnvironmentVariable("PROCRASTINATE_TEST_WORKER_POOL_MAX_THREADS") is { } poolMax)
{
    ThreadPool.GetMaxThreads(out _, out var completionPorts);
    var max = int.Parse(poolMax, CultureInfo.InvariantCulture);
    if (!ThreadPool.SetMinThreads(1, 1) || !ThreadPool.SetMaxThreads(max, completionPorts))
    {
        await Console.Error.WriteLineAsync($"Cannot cap the thread pool at {max} threads.");
        return 2;
    }
}

var heartbeat = Milliseconds("HEARTBEAT_MS") ?? TimeSpan.FromSeconds(10);
var concurrency = Environment.GetEnvironmentVariable("PROCRASTINATE_TEST_WORKER_CONCURRENCY") is { } count
    ? int.Parse(count, CultureInfo.InvariantCulture)
    : 1;
var gracefulTimeout = Milliseconds("GRACEFUL_TIMEOUT_MS");
var abortTimeout = Milliseconds("ABORT_TIMEOUT_MS");
using var loggerFactory = Environment.GetEnvironmentVariable("PROCRASTINATE_TEST_WORKER_LOG") == "1"
    ? LoggerFactory.Create(logging => logging.AddSimpleConsole(console => console.SingleLine = true))
    : null;
await using var store = new PostgreSqlJobStore(dsn);
var app = new ProcrastinateApp(store, new ProcrastinateAppOptions
{
    Tasks = new TaskRegistry(ProcrastinateTestWorkerTasks.All),
    LoggerFactory = loggerFactory,
});
var worker = new Worker(app, new WorkerOptions
{
    Name = "testworker",
    Concurrency = concurrency,
    UpdateHeartbeatInterval = heartbeat,
    StalledWorkerTimeout = heartbeat * 10,
    ShutdownGracefulTimeout = gracefulTimeout,
    ShutdownAbortTimeout = abortTimeout,
    AdditionalContext = new Dictionary<string, object?> { [BlockingTasks.HangKey] = true },
});
var run = worker.RunAsync();
try
{
    var id = await worker.Started;
    await Console.Out.WriteLineAsync($"worker {id}");
    await Console.Out.FlushAsync();
}
catch (OperationCanceledException)
{
    // Stopped before it was registered and fetching: RunAsync tells how it ended.
}

await run;
await Console.Out.WriteLineAsync($"stopped, {worker.AbandonedJobCount} job(s) left running");
return worker.AbandonedJobCount > 0 ? 3 : 0;

static TimeSpan? Milliseconds(string name) =>
    Environment.GetEnvironmentVariable("PROCRASTINATE_TEST_WORKER_" + name) is { } value
        ? TimeSpan.FromMilliseconds(double.Parse(value, CultureInfo.InvariantCulture))
        : null;
