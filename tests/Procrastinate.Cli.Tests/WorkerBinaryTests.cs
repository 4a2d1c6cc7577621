using System.Net;
using System.Text.Json;
using Npgsql;
using Procrastinate.PostgreSql.Tests.Infrastructure;

namespace Procrastinate.Cli.Tests;

/// <summary>
/// End to end: the sample worker binary as a process, on a database it sets up itself. The same test runs against the
/// Native AOT publish when <c>PROCRASTINATE_AOT_WORKER</c> names it.
/// </summary>
public sealed class WorkerBinaryTests : IClassFixture<DatabaseFixture>
{
    private readonly DatabaseFixture _fixture;

    public WorkerBinaryTests(DatabaseFixture fixture)
    {
        _fixture = fixture;
    }

    [Fact]
    public async Task Binary_AppliesSchema_DefersJobs_RunsThemOneShot_AndManagesThem()
    {
        var connectionString = await _fixture.Server.CreateDatabaseAsync();
        try
        {
            await RunScenarioAsync(connectionString);
        }
        finally
        {
            NpgsqlConnection.ClearAllPools();
            await _fixture.Server.DropDatabaseAsync(new NpgsqlConnectionStringBuilder(connectionString).Database!);
        }
    }

    [Fact]
    public async Task Binary_WaitingWorker_StopsGracefullyOnSigterm_AfterItsRunningJob()
    {
        var env = new Dictionary<string, string> { ["PROCRASTINATE_DSN"] = _fixture.ConnectionString };
        await _fixture.ResetAsync();
        var deferred = await WorkerBinary.RunAsync(env, "defer", "sample.sleep", """{"seconds": 2}""");
        Assert.True(deferred.ExitCode == 0, deferred.ToString());
        using var process = WorkerBinary.Start(env, "worker", "--fetch-job-polling-interval", "0.2");
        var output = process.StandardOutput.ReadToEndAsync();
        var lines = new List<string>();
        string? line;
        while ((line = await process.StandardError.ReadLineAsync().WaitAsync(TimeSpan.FromMinutes(2))) is not null)
        {
            lines.Add(line);
            if (line.StartsWith("INFO:Procrastinate.Worker:Starting job sample.sleep", StringComparison.Ordinal))
            {
                break;
            }
        }

        using (var kill = System.Diagnostics.Process.Start("kill", ["-TERM", $"{process.Id}"]))
        {
            await kill!.WaitForExitAsync();
        }

        lines.AddRange((await process.StandardError.ReadToEndAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries));
        await WorkerBinary.WaitForExitAsync(process, ["worker"]);
        await output;

        var all = string.Join('\n', lines);
        Assert.True(process.ExitCode == 0, all);
        Assert.Contains(lines, l => l.Contains("listening on all queues", StringComparison.Ordinal));
        Assert.Matches(@"^Worker worker stopped after \d+\.\d s: 1 job\(s\) run, 1 succeeded, 0 raised an error, 0 aborted$", lines[^1]);
        Assert.Equal(JobStatus.Succeeded, (await _fixture.Store.ListJobsAsync(Procrastinate.Storage.JobFilter.All)).Single().Status);
    }

    [Fact]
    public async Task Binary_Dashboard_ServesPagesAndApi_OnLoopbackOnly_ReadOnlyRefusesActions_StopsOnSigterm()
    {
        var env = new Dictionary<string, string> { ["PROCRASTINATE_DSN"] = _fixture.ConnectionString };
        await _fixture.ResetAsync();
        var ids = await _fixture.Store.DeferJobsAsync(
        [
            new Procrastinate.Storage.JobToDefer("sample.add", "default", """{"a": 1, "b": 2}""", 0, null, null, null),
            new Procrastinate.Storage.JobToDefer("sample.ship", "shipping", "{}", 5, null, null, null),
        ]);
        // A second address that is not loopback: the dashboard listens there too, and must refuse what comes from it.
        var other = WorkerBinaryDashboard.NonLoopbackAddress();
        Assert.True(other is not null, "This test needs a network interface with an IPv4 address other than loopback.");

        await using var dashboard = await WorkerBinaryDashboard.StartAsync(env, $"http://127.0.0.1:0;http://{other}:0");
        await using var readOnly = await WorkerBinaryDashboard.StartAsync(env, "http://127.0.0.1:0", "--read-only");
        Assert.Equal(2, dashboard.Addresses.Count);
        Assert.Contains("Ctrl+C stops it", dashboard.FirstLine, StringComparison.Ordinal);
        Assert.Contains("(read-only)", readOnly.FirstLine, StringComparison.Ordinal);
        Assert.DoesNotContain("Password", dashboard.FirstLine, StringComparison.OrdinalIgnoreCase);

        using var local = WorkerBinaryDashboard.Client(dashboard.Addresses[0]);
        using var remote = WorkerBinaryDashboard.Client(dashboard.Addresses[1]);
        using var localReadOnly = WorkerBinaryDashboard.Client(readOnly.Addresses[0]);

        // Every page and asset is served from the binary itself.
        foreach (var page in new[] { "", "jobs", $"jobs/{ids[0]}", "queues", "locks", "workers", "periodic", "tasks" })
        {
            using var response = await local.GetAsync(new Uri(page, UriKind.Relative));
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"/{page}: {(int)response.StatusCode}");
            Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
            Assert.Contains("csrf-token", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        foreach (var asset in new[] { "assets/app.js", "assets/app.css" })
        {
            using var response = await local.GetAsync(new Uri(asset, UriKind.Relative));
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"/{asset}: {(int)response.StatusCode}");
            Assert.True((await response.Content.ReadAsByteArrayAsync()).Length > 100, asset);
        }

        // The JSON API, as the page reads it.
        var stats = await WorkerBinaryDashboard.GetJsonAsync(local, "api/stats");
        Assert.Equal(2, stats.GetProperty("totals").GetProperty("todo").GetInt64());
        var shipping = await WorkerBinaryDashboard.GetJsonAsync(local, "api/jobs?queue=shipping");
        Assert.Equal([ids[1]], shipping.GetProperty("jobs").EnumerateArray().Select(j => j.GetProperty("id").GetInt64()));
        var detail = await WorkerBinaryDashboard.GetJsonAsync(local, $"api/jobs/{ids[0]}");
        Assert.Equal(2, detail.GetProperty("job").GetProperty("args").GetProperty("b").GetInt32());
        Assert.Equal(["deferred"], detail.GetProperty("events").EnumerateArray().Select(e => e.GetProperty("type").GetString()));
        var tasks = await WorkerBinaryDashboard.GetJsonAsync(local, "api/tasks");
        Assert.Contains("sample.add", tasks.EnumerateArray().Select(t => t.GetProperty("name").GetString()));
        var periodic = await WorkerBinaryDashboard.GetJsonAsync(local, "api/periodic");
        Assert.Contains("sample.tick", periodic.EnumerateArray().Select(t => t.GetProperty("task").GetString()));
        Assert.Equal(JsonValueKind.Array, (await WorkerBinaryDashboard.GetJsonAsync(local, "api/workers")).ValueKind);
        Assert.Equal(
            ["default", "shipping"],
            (await WorkerBinaryDashboard.GetJsonAsync(local, "api/queues")).EnumerateArray().Select(q => q.GetProperty("name").GetString()));
        Assert.False((await WorkerBinaryDashboard.GetJsonAsync(local, "api/config")).GetProperty("read_only").GetBoolean());

        // Loopback only: the same server, reached through the other address, refuses pages and API alike.
        foreach (var path in new[] { "", "api/stats", "assets/app.js" })
        {
            using var refused = await remote.GetAsync(new Uri(path, UriKind.Relative));
            Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
            Assert.Contains("loopback", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        // Actions: done by the read-write dashboard, refused by the read-only one.
        Assert.True((await WorkerBinaryDashboard.GetJsonAsync(localReadOnly, "api/config")).GetProperty("read_only").GetBoolean());
        using (var refused = await WorkerBinaryDashboard.PostAsync(localReadOnly, $"api/jobs/{ids[1]}/cancel", await WorkerBinaryDashboard.PageTokenAsync(localReadOnly)))
        {
            Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
            Assert.Contains("read-only", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        using (var bulkRefused = await WorkerBinaryDashboard.PostAsync(localReadOnly, "api/jobs/bulk/cancel", await WorkerBinaryDashboard.PageTokenAsync(localReadOnly)))
        {
            Assert.Equal(HttpStatusCode.Forbidden, bulkRefused.StatusCode);
        }

        Assert.Equal(JobStatus.Todo, await _fixture.Store.GetJobStatusAsync(ids[1]));
        using (var cancelled = await WorkerBinaryDashboard.PostAsync(local, $"api/jobs/{ids[1]}/cancel", await WorkerBinaryDashboard.PageTokenAsync(local)))
        {
            Assert.True(cancelled.StatusCode == HttpStatusCode.OK, await cancelled.Content.ReadAsStringAsync());
        }

        Assert.Equal(JobStatus.Cancelled, await _fixture.Store.GetJobStatusAsync(ids[1]));
        Assert.Equal(JobStatus.Todo, await _fixture.Store.GetJobStatusAsync(ids[0]));

        var (code, error) = await dashboard.StopAsync();
        var (readOnlyCode, readOnlyError) = await readOnly.StopAsync();
        Assert.True(code == 0, error);
        Assert.True(readOnlyCode == 0, readOnlyError);
    }

    [Fact]
    public async Task Binary_HelpVersionAndUsageErrors()
    {
        var help = await WorkerBinary.RunAsync(null, "--help");
        var version = await WorkerBinary.RunAsync(null, "--version");
        var bogus = await WorkerBinary.RunAsync(null, "frobnicate");
        var unreachable = await WorkerBinary.RunWithDsnAsync("postgresql://nobody@127.0.0.1:1/none", "healthchecks");

        Assert.Equal(0, help.ExitCode);
        Assert.Contains("defer <task> <json>", help.Out, StringComparison.Ordinal);
        Assert.Equal(0, version.ExitCode);
        Assert.StartsWith("aot-worker, version 1.0.0 (Procrastinate for .NET ", version.Out, StringComparison.Ordinal);
        Assert.Equal(2, bogus.ExitCode);
        Assert.Equal("error: Unrecognized command or argument 'frobnicate'. (see 'aot-worker --help')", Assert.Single(bogus.ErrorLines));
        Assert.Equal(1, unreachable.ExitCode);
        Assert.Equal("App configuration: OK (7 task(s))", Assert.Single(unreachable.OutLines));
        Assert.StartsWith("DB connection: FAILED (Cannot connect to PostgreSQL at 127.0.0.1:1", Assert.Single(unreachable.ErrorLines));
    }

    private static async Task RunScenarioAsync(string dsn)
    {
        var env = new Dictionary<string, string> { ["PROCRASTINATE_DSN"] = dsn };

        var missing = await WorkerBinary.RunAsync(env, "healthchecks");
        Assert.Equal(1, missing.ExitCode);
        var apply = await WorkerBinary.RunAsync(env, "schema", "--apply");
        Assert.True(apply.ExitCode == 0, apply.ToString());
        Assert.Equal("Done", apply.ErrorLines[^1]);
        var check = await WorkerBinary.RunAsync(env, "schema", "--check");
        Assert.True(check.ExitCode == 0, check.ToString());
        var healthy = await WorkerBinary.RunAsync(env, "healthchecks");
        Assert.True(healthy.ExitCode == 0, healthy.ToString());
        Assert.Equal(["App configuration: OK (7 task(s))", "Found procrastinate_jobs table: OK"], [healthy.OutLines[0], healthy.OutLines[2]]);

        var add = await DeferAsync(env, "sample.add", """{"a": 2, "b": 3}""");
        var ship = await DeferAsync(
            env,
            "sample.ship",
            """{"orderId": "0b9e0c1e-4a8e-4d39-9a57-111111111111", "address": {"Street": "1 Main St", "City": "Lyon"}, "size": 1, "items": ["book", "pen"], "notBefore": "2026-01-01T00:00:00+00:00", "weightKg": 1.25}""");
        var fail = await DeferAsync(env, "sample.fail", """{"reason": "on purpose"}""");
        var flaky = await DeferAsync(env, "sample.flaky", """{"failures": 2}""");
        var tick = await DeferAsync(env, "--queueing-lock", "sample.tick", "sample.tick", """{"timestamp": 1767225600}""");
        var later = await DeferAsync(env, "--in", "3600", "sample.sleep", """{"seconds": 0.1}""");

        var unknown = await WorkerBinary.RunAsync(env, "defer", "sample.ad", """{"a": 1}""");
        Assert.Equal(2, unknown.ExitCode);
        Assert.Equal("error: Task 'sample.ad' is not registered. Did you mean: sample.add, sample.fail?", Assert.Single(unknown.ErrorLines));
        var notObject = await WorkerBinary.RunAsync(env, "defer", "sample.add", "[2, 3]");
        Assert.Equal(2, notObject.ExitCode);
        var notFitting = await WorkerBinary.RunAsync(env, "defer", "sample.ship", """{"orderId": "not-a-guid"}""");
        Assert.Equal(2, notFitting.ExitCode);
        Assert.StartsWith("error: Argument 'orderId' of task 'sample.ship' is invalid", Assert.Single(notFitting.ErrorLines), StringComparison.Ordinal);
        var conflict = await WorkerBinary.RunAsync(env, "defer", "sample.tick", """{"timestamp": 1}""");
        Assert.Equal(1, conflict.ExitCode);
        var ignored = await WorkerBinary.RunAsync(env, "defer", "--ignore-already-enqueued", "sample.tick", """{"timestamp": 1}""");
        Assert.Equal(0, ignored.ExitCode);
        Assert.EndsWith("(ignored)", Assert.Single(ignored.ErrorLines), StringComparison.Ordinal);

        var worker = await WorkerBinary.RunAsync(env, "worker", "--one-shot", "--concurrency", "2", "--fetch-job-polling-interval", "0.2");
        Assert.True(worker.ExitCode == 0, worker.ToString());
        Assert.Contains(worker.ErrorLines, l => l.Contains("listening on all queues with notifications and polling (every 0.2 s), concurrency 2, one shot", StringComparison.Ordinal));
        Assert.Matches(@"^Worker worker stopped after \d+\.\d s: 7 job\(s\) run, 4 succeeded, 3 raised an error, 0 aborted$", worker.ErrorLines[^1]);

        var listing = await WorkerBinary.RunAsync(env, "--json", "jobs", "list");
        Assert.True(listing.ExitCode == 0, listing.ToString());
        using (var document = JsonDocument.Parse(listing.Out))
        {
            var jobs = document.RootElement.EnumerateArray().ToDictionary(j => j.GetProperty("id").GetInt64());
            Assert.Equal(6, jobs.Count);
            Assert.Equal("succeeded", jobs[add].GetProperty("status").GetString());
            Assert.Equal("succeeded", jobs[ship].GetProperty("status").GetString());
            Assert.Equal(("shipping", 5), (jobs[ship].GetProperty("queue").GetString(), jobs[ship].GetProperty("priority").GetInt32()));
            Assert.Equal("failed", jobs[fail].GetProperty("status").GetString());
            Assert.Equal(("succeeded", 3), (jobs[flaky].GetProperty("status").GetString(), jobs[flaky].GetProperty("attempts").GetInt32()));
            Assert.Equal("succeeded", jobs[tick].GetProperty("status").GetString());
            Assert.Equal("todo", jobs[later].GetProperty("status").GetString());
        }

        // The same outcome, read from PostgreSQL itself.
        Assert.Equal(
            [$"{add}:succeeded:1", $"{ship}:succeeded:1", $"{fail}:failed:1", $"{flaky}:succeeded:3", $"{tick}:succeeded:1", $"{later}:todo:0"],
            await RowsAsync(dsn));

        var cancel = await WorkerBinary.RunAsync(env, "jobs", "cancel", $"{later}");
        Assert.True(cancel.ExitCode == 0, cancel.ToString());
        Assert.Equal($"#{later} sample.sleep on default - [cancelled]", Assert.Single(cancel.OutLines));
        var cancelDone = await WorkerBinary.RunAsync(env, "jobs", "cancel", $"{add}");
        Assert.Equal(1, cancelDone.ExitCode);
        Assert.Equal($"error: Job #{add} was not cancelled: it is succeeded.", Assert.Single(cancelDone.ErrorLines));

        var retry = await WorkerBinary.RunAsync(env, "jobs", "retry", $"{fail}");
        Assert.True(retry.ExitCode == 0, retry.ToString());
        Assert.Equal($"#{fail} sample.fail on default - [todo]", Assert.Single(retry.OutLines));
        var status = await WorkerBinary.RunAsync(env, "jobs", "status", $"{fail}");
        Assert.Equal("todo", Assert.Single(status.OutLines));

        var queues = await WorkerBinary.RunAsync(env, "queues");
        Assert.Equal(
            [
                "default: 5 jobs (todo: 1, doing: 0, succeeded: 3, failed: 0, cancelled: 1, aborted: 0)",
                "shipping: 1 jobs (todo: 0, doing: 0, succeeded: 1, failed: 0, cancelled: 0, aborted: 0)",
            ],
            queues.OutLines);

        var again = await WorkerBinary.RunAsync(env, "worker", "--one-shot", "--queues", "default", "--delete-jobs", "always");
        Assert.True(again.ExitCode == 0, again.ToString());
        Assert.Matches(@"1 job\(s\) run, 0 succeeded, 1 raised an error, 0 aborted$", again.ErrorLines[^1]);
        Assert.DoesNotContain(await RowsAsync(dsn), row => row.StartsWith($"{fail}:", StringComparison.Ordinal));
        var healthyAfter = await WorkerBinary.RunAsync(env, "healthchecks");
        Assert.Equal(0, healthyAfter.ExitCode);
    }

    private static async Task<long> DeferAsync(Dictionary<string, string> env, params string[] args)
    {
        var result = await WorkerBinary.RunAsync(env, ["defer", .. args]);
        Assert.True(result.ExitCode == 0, result.ToString());
        var line = Assert.Single(result.OutLines);
        return long.Parse(line[1..line.IndexOf(' ', StringComparison.Ordinal)], System.Globalization.CultureInfo.InvariantCulture);
    }

    private static async Task<List<string>> RowsAsync(string dsn)
    {
        await using var connection = new NpgsqlConnection(dsn);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT id, status::text, attempts FROM procrastinate_jobs ORDER BY id", connection);
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<string>();
        while (await reader.ReadAsync())
        {
            rows.Add($"{reader.GetInt64(0)}:{reader.GetString(1)}:{reader.GetInt32(2)}");
        }

        return rows;
    }
}
