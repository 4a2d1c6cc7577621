using System.Globalization;
using Procrastinate;
using Procrastinate.Generated;
using Procrastinate.PostgreSql;
using Procrastinate.TestWorker;

if (args is ["start-server"])
{
    return await ServerStart.RunAsync();
}

// Runs one worker on the database of PROCRASTINATE_TEST_WORKER_DSN until stopped, with a short heartbeat
// (PROCRASTINATE_TEST_WORKER_HEARTBEAT_MS) so that tests see it stall soon after it is killed.
var dsn = Environment.GetEnvironmentVariable("PROCRASTINATE_TEST_WORKER_DSN");
if (string.IsNullOrEmpty(dsn))
{
    await Console.Error.WriteLineAsync("Set PROCRASTINATE_TEST_WORKER_DSN to the connection string of the database to work.");
    return 2;
}

var heartbeat = TimeSpan.FromMilliseconds(double.Parse(
    Environment.GetEnvironmentVariable("PROCRASTINATE_TEST_WORKER_HEARTBEAT_MS") ?? "10000", CultureInfo.InvariantCulture));
await using var store = new PostgreSqlJobStore(dsn);
var app = new ProcrastinateApp(store, new ProcrastinateAppOptions { Tasks = new TaskRegistry(ProcrastinateTestWorkerTasks.All) });
var worker = new Worker(app, new WorkerOptions
{
    Name = "testworker",
    UpdateHeartbeatInterval = heartbeat,
    StalledWorkerTimeout = heartbeat * 5,
    AdditionalContext = new Dictionary<string, object?> { [BlockingTasks.HangKey] = true },
});
var run = worker.RunAsync();
var id = await worker.Started;
await Console.Out.WriteLineAsync($"worker {id}");
await Console.Out.FlushAsync();
await run;
return 0;
