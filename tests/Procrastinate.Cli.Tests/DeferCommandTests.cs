using Procrastinate.PostgreSql.Tests.Infrastructure;

namespace Procrastinate.Cli.Tests;

public sealed class DeferCommandTests : CliTest
{
    public DeferCommandTests(DatabaseFixture database)
        : base(database)
    {
    }

    [Fact]
    public async Task Defer_WritesTheJobWithTheTaskDefaults_AndPrintsIt()
    {
        var result = await RunAsync("defer", "cli.greet", """{"name": "Ada", "times": 2}""");

        Assert.Equal(CliExitCodes.Success, result.ExitCode);
        var id = IdOf(result);
        Assert.Equal($"#{id} cli.greet on greetings - [todo]", Assert.Single(result.OutLines));
        var job = await GetJobAsync(id);
        Assert.Equal(("greetings", 2, JobStatus.Todo), (job.Queue, job.Priority, job.Status));
        Assert.Equal("""{"name": "Ada", "times": 2}""", job.Args);
    }

    [Fact]
    public async Task Defer_ByAlias_StoresTheTaskName()
    {
        var result = await RunAsync("defer", "greet_old", """{"name": "Bob"}""");

        Assert.Equal(CliExitCodes.Success, result.ExitCode);
        Assert.Equal("cli.greet", (await GetJobAsync(IdOf(result))).TaskName);
    }

    [Fact]
    public async Task Defer_Options_OverrideTheTaskDefaults()
    {
        var result = await RunAsync(
            "defer", "--queue", "other", "--lock", "L", "--queueing-lock", "Q", "--priority", "-3", "--at", "2030-01-02T03:04:05+01:00",
            "cli.greet", """{"name": "x"}""");

        Assert.Equal(CliExitCodes.Success, result.ExitCode);
        var job = await GetJobAsync(IdOf(result));
        Assert.Equal(("other", "L", "Q", -3), (job.Queue, job.Lock, job.QueueingLock, job.Priority));
        Assert.Equal(new DateTimeOffset(2030, 1, 2, 2, 4, 5, TimeSpan.Zero), job.ScheduledAt);
    }

    [Fact]
    public async Task Defer_AtWithoutOffset_IsRefused_AndInIsSecondsFromNow()
    {
        var naive = await RunAsync("defer", "--at", "2030-06-01T12:00:00", "cli.greet", """{"name": "x"}""");
        var afterNaive = await JobsAsync();
        var utc = await RunAsync("defer", "--at", "2030-06-01T12:00:00Z", "cli.greet", """{"name": "x"}""");
        var now = DateTimeOffset.UtcNow;
        var later = await RunAsync("defer", "--in", "3600", "cli.greet", """{"name": "y"}""");

        Assert.Equal(CliExitCodes.Usage, naive.ExitCode);
        Assert.StartsWith("error: --at: the time has no UTC offset", Assert.Single(naive.ErrorLines), StringComparison.Ordinal);
        Assert.Empty(afterNaive);
        Assert.Equal(new DateTimeOffset(2030, 6, 1, 12, 0, 0, TimeSpan.Zero), (await GetJobAsync(IdOf(utc))).ScheduledAt);
        var scheduled = (await GetJobAsync(IdOf(later))).ScheduledAt!.Value;
        Assert.InRange(scheduled, now.AddSeconds(3590), now.AddSeconds(3700));
    }

    [Fact]
    public async Task Defer_WithoutJson_MeansNoArguments_AndEnvironmentGivesThem()
    {
        var none = await RunAsync("defer", "cli.flaky");
        var fromEnv = await CliRunner.RunAsync(
            ["defer", "cli.greet"],
            new Dictionary<string, string>
            {
                ["PROCRASTINATE_DSN"] = Database.ConnectionString,
                ["PROCRASTINATE_DEFER_JSON_ARGS"] = """{"name": "env"}""",
                ["PROCRASTINATE_DEFER_QUEUE"] = "envq",
            });

        Assert.Equal(CliExitCodes.Success, none.ExitCode);
        Assert.Equal("{}", (await GetJobAsync(IdOf(none))).Args);
        Assert.Equal(CliExitCodes.Success, fromEnv.ExitCode);
        var job = await GetJobAsync(IdOf(fromEnv));
        Assert.Equal(("envq", """{"name": "env"}"""), (job.Queue, job.Args));
    }

    [Fact]
    public async Task Defer_BadArguments_WritesNothing()
    {
        var result = await RunAsync("defer", "cli.greet", """{"times": "x"}""");

        Assert.Equal(CliExitCodes.Usage, result.ExitCode);
        Assert.Empty(await JobsAsync());
    }

    [Fact]
    public async Task Defer_UnknownTaskWithUnknown_IsDeferredAsIs()
    {
        var refused = await RunAsync("defer", "python.only", """{"a": 1}""");
        var allowed = await RunAsync("defer", "--unknown", "python.only", """{"a": 1}""");

        Assert.Equal(CliExitCodes.Usage, refused.ExitCode);
        Assert.Equal(CliExitCodes.Success, allowed.ExitCode);
        var job = await GetJobAsync(IdOf(allowed));
        Assert.Equal(("python.only", "default", """{"a": 1}"""), (job.TaskName, job.Queue, job.Args));
    }

    [Fact]
    public async Task QueueingLockConflict_FailsWithOneLine_OrSucceedsWhenIgnored()
    {
        var first = await RunAsync("defer", "cli.cleanup", """{"max_hours": 72}""");
        var conflict = await RunAsync("defer", "cli.cleanup", """{"max_hours": 72}""");
        var ignored = await RunAsync("defer", "--queueing-lock=cleanup", "--ignore-already-enqueued", "cli.cleanup", """{"max_hours": 72}""");

        Assert.Equal(CliExitCodes.Success, first.ExitCode);
        Assert.Equal(CliExitCodes.Failure, conflict.ExitCode);
        Assert.Equal(
            "error: Job cannot be enqueued: there is already a job in the queue with the queueing lock 'cleanup'.",
            Assert.Single(conflict.ErrorLines));
        Assert.Equal(CliExitCodes.Success, ignored.ExitCode);
        Assert.EndsWith("(ignored)", Assert.Single(ignored.ErrorLines));
        Assert.Empty(ignored.Out);
        Assert.Single(await JobsAsync());
    }

    [Fact]
    public async Task Defer_BuiltinTask_BothFormsOfTheSeedDocs()
    {
        var byName = await RunAsync("defer", "builtin:procrastinate.builtin_tasks.remove_old_jobs", """{"max_hours": 72}""");
        var byAlias = await RunAsync(
            "defer", "--queueing-lock=remove_old_jobs", "--ignore-already-enqueued",
            "procrastinate.builtin_tasks.remove_old_jobs", """{"max_hours": 72}""");
        var ignored = await RunAsync(
            "defer", "--queueing-lock=remove_old_jobs", "--ignore-already-enqueued",
            "procrastinate.builtin_tasks.remove_old_jobs", """{"max_hours": 72}""");
        var invalid = await RunAsync("defer", "builtin:procrastinate.builtin_tasks.remove_old_jobs", """{"max_hours": "soon"}""");

        Assert.Equal(CliExitCodes.Success, byName.ExitCode);
        Assert.Equal(CliExitCodes.Success, byAlias.ExitCode);
        Assert.Equal(CliExitCodes.Success, ignored.ExitCode);
        Assert.EndsWith("(ignored)", Assert.Single(ignored.ErrorLines));
        Assert.Equal(CliExitCodes.Usage, invalid.ExitCode);
        var jobs = await JobsAsync();
        Assert.Equal(2, jobs.Count);
        Assert.All(jobs, j => Assert.Equal(("builtin:procrastinate.builtin_tasks.remove_old_jobs", "builtin"), (j.TaskName, j.Queue)));
        Assert.Equal([null, "remove_old_jobs"], jobs.Select(j => j.QueueingLock));
    }

    [Fact]
    public async Task Defer_AtAndIn_AreExclusive()
    {
        var result = await RunAsync("defer", "--at", "2030-01-01T00:00:00Z", "--in", "5", "cli.flaky");

        Assert.Equal(CliExitCodes.Usage, result.ExitCode);
        Assert.Equal("error: Give either --at or --in, not both.", Assert.Single(result.ErrorLines));
        Assert.Empty(await JobsAsync());
    }

    [Fact]
    public async Task Defer_Json_PrintsTheJobObject()
    {
        var result = await RunAsync("--json", "defer", "cli.greet", """{"name": "j"}""");

        using var document = System.Text.Json.JsonDocument.Parse(result.Out);
        var job = document.RootElement;
        Assert.Equal("cli.greet", job.GetProperty("task").GetString());
        Assert.Equal("todo", job.GetProperty("status").GetString());
        Assert.Equal("j", job.GetProperty("args").GetProperty("name").GetString());
    }
}
