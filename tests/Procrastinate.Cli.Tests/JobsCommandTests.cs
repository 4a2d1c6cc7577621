using System.Text.Json;
using Procrastinate.Cli.Commands;
using Procrastinate.PostgreSql.Tests.Infrastructure;
using Procrastinate.Storage;

namespace Procrastinate.Cli.Tests;

public sealed class JobsCommandTests : CliTest
{
    public JobsCommandTests(DatabaseFixture database)
        : base(database)
    {
    }

    private Task<long> DeferAsync(string task, string args = "{}", string queue = "default", string? @lock = null) =>
        DeferRowAsync(new JobToDefer(task, queue, args, 0, @lock, null, null));

    private async Task<long> DeferRowAsync(JobToDefer job) => (await Database.Store.DeferJobsAsync([job]))[0];

    private async Task FailAsync(long id)
    {
        var worker = await Database.Store.RegisterWorkerAsync();
        Assert.Single(await Database.Store.FetchJobsAsync(new FetchJobsParams(worker, null)));
        await Database.Store.FinishJobsAsync([new JobCompletion(id, JobStatus.Failed, false)]);
    }

    [Fact]
    public async Task List_PrintsJobsById_WithFiltersAndDetails()
    {
        var a = await DeferAsync("cli.greet", """{"name": "a"}""", "greetings", @lock: "L1");
        var b = await DeferAsync("cli.fail", """{"reason": "r"}""");
        await FailAsync(a);

        var all = await RunAsync("jobs", "list");
        var failed = await RunAsync("jobs", "list", "--status", "failed");
        var byTask = await RunAsync("jobs", "list", "--task", "cli.fail", "--details");
        var byLock = await RunAsync("jobs", "list", "--lock", "L1", "--queue", "greetings");
        var none = await RunAsync("jobs", "list", "--id", "999");

        Assert.Equal([$"#{a} cli.greet on greetings - [failed]", $"#{b} cli.fail on default - [todo]"], all.OutLines);
        Assert.Equal([$"#{a} cli.greet on greetings - [failed]"], failed.OutLines);
        Assert.Equal(
            [$"#{b} cli.fail on default - [todo] (attempts=0, priority=0, scheduled_at=null, args={{\"reason\": \"r\"}}, lock=null, queueing_lock=null, abort_requested=false, worker_id=null)"],
            byTask.OutLines);
        Assert.Equal([$"#{a} cli.greet on greetings - [failed]"], byLock.OutLines);
        Assert.Equal(CliExitCodes.Success, none.ExitCode);
        Assert.Empty(none.Out);
    }

    [Fact]
    public async Task List_Json_IsAnArrayOfJobObjects()
    {
        var id = await DeferAsync("cli.greet", """{"name": "a", "times": 3}""", "greetings");

        var result = await RunAsync("--json", "jobs", "list");

        using var document = JsonDocument.Parse(result.Out);
        var job = Assert.Single(document.RootElement.EnumerateArray().ToList());
        Assert.Equal(id, job.GetProperty("id").GetInt64());
        Assert.Equal("greetings", job.GetProperty("queue").GetString());
        Assert.Equal(3, job.GetProperty("args").GetProperty("times").GetInt32());
        Assert.Equal(JsonValueKind.Null, job.GetProperty("worker_id").ValueKind);
    }

    [Fact]
    public async Task List_ReadsPageAfterPage_EveryJobOnceInOrder()
    {
        var count = (JobsCommand.PageSize * 2) + 200;
        var ids = await Database.Store.DeferJobsAsync(
            Enumerable.Range(0, count).Select(i => new JobToDefer("cli.greet", i % 2 == 0 ? "even" : "odd", "{}", 0, null, null, null)).ToList());

        var text = await RunAsync("jobs", "list");
        var odd = await RunAsync("jobs", "list", "--queue", "odd");
        var json = await RunAsync("--json", "jobs", "list");

        Assert.Equal(ids.Select((id, i) => $"#{id} cli.greet on {(i % 2 == 0 ? "even" : "odd")} - [todo]"), text.OutLines);
        Assert.Equal(ids.Where((_, i) => i % 2 == 1).Select(id => $"#{id} cli.greet on odd - [todo]"), odd.OutLines);
        using var document = JsonDocument.Parse(json.Out);
        Assert.Equal(ids, document.RootElement.EnumerateArray().Select(job => job.GetProperty("id").GetInt64()));
    }

    [Fact]
    public async Task List_Limit_StopsAfterThatManyJobs()
    {
        var ids = await Database.Store.DeferJobsAsync(
            Enumerable.Range(0, JobsCommand.PageSize + 10).Select(_ => new JobToDefer("cli.greet", "default", "{}", 0, null, null, null)).ToList());

        var three = await RunAsync("jobs", "list", "--limit", "3");
        var pageAndOne = await RunAsync("--json", "jobs", "list", "--limit", $"{JobsCommand.PageSize + 1}");
        var more = await RunAsync("jobs", "list", "--limit", "100000");
        var zero = await RunAsync("jobs", "list", "--limit", "0");

        Assert.Equal(ids.Take(3).Select(id => $"#{id} cli.greet on default - [todo]"), three.OutLines);
        using var document = JsonDocument.Parse(pageAndOne.Out);
        Assert.Equal(ids.Take(JobsCommand.PageSize + 1), document.RootElement.EnumerateArray().Select(job => job.GetProperty("id").GetInt64()));
        Assert.Equal(ids.Count, more.OutLines.Count);
        Assert.NotEqual(CliExitCodes.Success, zero.ExitCode);
        Assert.Contains("--limit must be at least 1.", zero.Error, StringComparison.Ordinal);
        Assert.Empty(zero.Out);
    }

    [Fact]
    public async Task Cancel_Todo_ThenCancelAgainFails()
    {
        var id = await DeferAsync("cli.flaky");

        var cancel = await RunAsync("jobs", "cancel", $"{id}");
        var again = await RunAsync("jobs", "cancel", $"{id}");

        Assert.Equal(CliExitCodes.Success, cancel.ExitCode);
        Assert.Equal($"#{id} cli.flaky on default - [cancelled]", Assert.Single(cancel.OutLines));
        Assert.Equal(CliExitCodes.Failure, again.ExitCode);
        Assert.Equal($"error: Job #{id} was not cancelled: it is cancelled.", Assert.Single(again.ErrorLines));
    }

    [Fact]
    public async Task Cancel_Delete_RemovesTheJob()
    {
        var id = await DeferAsync("cli.flaky");

        var result = await RunAsync("jobs", "cancel", $"{id}", "--delete");

        Assert.Equal(CliExitCodes.Success, result.ExitCode);
        Assert.Equal($"#{id} - [deleted]", Assert.Single(result.OutLines));
        Assert.Empty(await JobsAsync());
    }

    [Fact]
    public async Task Cancel_RunningJob_NeedsAbort()
    {
        var id = await DeferAsync("cli.flaky");
        var worker = await Database.Store.RegisterWorkerAsync();
        await Database.Store.FetchJobsAsync(new FetchJobsParams(worker, null));

        var refused = await RunAsync("jobs", "cancel", $"{id}");
        var abort = await RunAsync("jobs", "cancel", $"{id}", "--abort");

        Assert.Equal(CliExitCodes.Failure, refused.ExitCode);
        Assert.Equal($"error: Job #{id} was not cancelled: it is doing (use --abort to ask it to stop).", Assert.Single(refused.ErrorLines));
        Assert.Equal(CliExitCodes.Success, abort.ExitCode);
        Assert.True((await GetJobAsync(id)).AbortRequested);
    }

    [Fact]
    public async Task Cancel_Missing_Fails()
    {
        var result = await RunAsync("jobs", "cancel", "4242");

        Assert.Equal(CliExitCodes.Failure, result.ExitCode);
        Assert.Equal("error: Job #4242 does not exist.", Assert.Single(result.ErrorLines));
    }

    [Fact]
    public async Task Retry_FailedJob_GoesBackToTodo_ButATodoJobCannot()
    {
        var failed = await DeferAsync("cli.fail", """{"reason": "r"}""");
        await FailAsync(failed);
        var todo = await DeferAsync("cli.flaky");

        var retry = await RunAsync("jobs", "retry", $"{failed}");
        var refused = await RunAsync("jobs", "retry", $"{todo}");

        Assert.Equal(CliExitCodes.Success, retry.ExitCode);
        Assert.Equal($"#{failed} cli.fail on default - [todo]", Assert.Single(retry.OutLines));
        var job = await GetJobAsync(failed);
        Assert.Equal(JobStatus.Todo, job.Status);
        Assert.True(job.ScheduledAt <= DateTimeOffset.UtcNow.AddSeconds(1));
        Assert.Equal(CliExitCodes.Failure, refused.ExitCode);
        Assert.Equal($"error: Job #{todo} cannot be retried: it is todo (only failed or running jobs can).", Assert.Single(refused.ErrorLines));
    }

    [Fact]
    public async Task Status_PrintsTheStatus_OrFails()
    {
        var id = await DeferAsync("cli.flaky");

        var text = await RunAsync("jobs", "status", $"{id}");
        var json = await RunAsync("jobs", "status", $"{id}", "--json");
        var missing = await RunAsync("jobs", "status", "777");

        Assert.Equal("todo", Assert.Single(text.OutLines));
        Assert.Equal($$"""{"id":{{id}},"status":"todo"}""", json.Out.Trim());
        Assert.Equal(CliExitCodes.Failure, missing.ExitCode);
        Assert.Equal("error: Job #777 does not exist.", Assert.Single(missing.ErrorLines));
    }

    [Fact]
    public async Task QueuesTasksLocks_CountJobsPerStatus()
    {
        var a = await DeferAsync("cli.greet", """{"name": "a"}""", "greetings", @lock: "L");
        await DeferAsync("cli.greet", """{"name": "b"}""", "greetings");
        await DeferAsync("cli.fail", """{"reason": "r"}""");
        await FailAsync(a);

        var queues = await RunAsync("queues");
        var tasks = await RunAsync("tasks", "--queue", "greetings");
        var locks = await RunAsync("locks");
        var json = await RunAsync("queues", "--json", "--status", "todo");

        Assert.Equal(
            [
                "default: 1 jobs (todo: 1, doing: 0, succeeded: 0, failed: 0, cancelled: 0, aborted: 0)",
                "greetings: 2 jobs (todo: 1, doing: 0, succeeded: 0, failed: 1, cancelled: 0, aborted: 0)",
            ],
            queues.OutLines);
        Assert.Equal(["cli.greet: 2 jobs (todo: 1, doing: 0, succeeded: 0, failed: 1, cancelled: 0, aborted: 0)"], tasks.OutLines);
        Assert.Equal(["L: 1 jobs (todo: 0, doing: 0, succeeded: 0, failed: 1, cancelled: 0, aborted: 0)"], locks.OutLines);
        using var document = JsonDocument.Parse(json.Out);
        var rows = document.RootElement.EnumerateArray().ToList();
        Assert.Equal(["default", "greetings"], rows.Select(r => r.GetProperty("name").GetString()));
        Assert.All(rows, r => Assert.Equal(1, r.GetProperty("todo").GetInt64()));
    }

    [Fact]
    public async Task Events_PrintsEveryTransition_OldestFirst_AsTextOrJson()
    {
        var id = await DeferAsync("cli.fail");
        await FailAsync(id);

        var text = await RunAsync("jobs", "events", id.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var json = await RunAsync("--json", "jobs", "events", id.ToString(System.Globalization.CultureInfo.InvariantCulture));

        Assert.Equal(CliExitCodes.Success, text.ExitCode);
        Assert.Equal(["deferred", "started", "failed"], text.OutLines.Select(line => line.Split(' ')[1]));
        Assert.All(text.OutLines, line => Assert.True(DateTimeOffset.TryParse(line.Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture, out _), line));
        using var document = JsonDocument.Parse(json.Out);
        var events = document.RootElement.EnumerateArray().ToList();
        Assert.Equal(["deferred", "started", "failed"], events.Select(e => e.GetProperty("type").GetString()));
        Assert.All(events, e => Assert.Equal(JsonValueKind.String, e.GetProperty("at").ValueKind));
    }

    [Fact]
    public async Task Events_OfAMissingJob_Fails()
    {
        var result = await RunAsync("jobs", "events", "4242");

        Assert.Equal(CliExitCodes.Failure, result.ExitCode);
        Assert.Equal("error: Job #4242 does not exist.", Assert.Single(result.ErrorLines));
    }
}
