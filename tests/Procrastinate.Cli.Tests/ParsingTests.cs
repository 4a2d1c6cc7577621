namespace Procrastinate.Cli.Tests;

/// <summary>What the command line does before touching a database.</summary>
public sealed class ParsingTests
{
    [Fact]
    public async Task Help_ListsEveryCommand_AndExitsZero()
    {
        var result = await CliRunner.RunAsync(["--help"]);

        Assert.Equal(CliExitCodes.Success, result.ExitCode);
        foreach (var command in new[] { "worker", "defer", "schema", "healthchecks", "jobs", "queues", "tasks", "locks" })
        {
            Assert.Contains("  " + command, result.Out, StringComparison.Ordinal);
        }

        Assert.Contains("--dsn", result.Out, StringComparison.Ordinal);
        Assert.Empty(result.Error);
    }

    [Theory]
    [InlineData("worker", "--one-shot")]
    [InlineData("worker", "PROCRASTINATE_WORKER_CONCURRENCY")]
    [InlineData("defer", "--queueing-lock")]
    [InlineData("defer", "--ignore-already-enqueued")]
    [InlineData("schema", "--migrate")]
    [InlineData("jobs list", "--details")]
    [InlineData("jobs cancel", "--abort")]
    public async Task HelpOfACommand_ShowsItsOptions(string command, string expected)
    {
        var result = await CliRunner.RunAsync([.. command.Split(' '), "--help"]);

        Assert.Equal(CliExitCodes.Success, result.ExitCode);
        Assert.Contains(expected, result.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NoCommand_ListsTheCommands_WithExitTwo()
    {
        var result = await CliRunner.RunAsync([]);

        Assert.Equal(CliExitCodes.Usage, result.ExitCode);
        Assert.Equal(
            "error: No command given; choose one of worker, defer, schema, healthchecks, jobs, dashboard, queues, tasks, locks (see 'test-worker --help').",
            Assert.Single(result.ErrorLines));
    }

    [Fact]
    public async Task Version_PrintsAppAndLibraryVersions()
    {
        var result = await CliRunner.RunAsync(["--version"]);

        Assert.Equal(CliExitCodes.Success, result.ExitCode);
        Assert.Matches(@"^test-worker, version 9\.9\.9 \(Procrastinate for \.NET \d+\.\d+\.\d+.*\)$", result.Out.Trim());
    }

    [Theory]
    [InlineData("bogus")]
    [InlineData("worker", "--concurrency", "many")]
    [InlineData("jobs", "cancel")]
    [InlineData("jobs", "list", "--status", "sleeping")]
    [InlineData("worker", "--delete-jobs", "sometimes")]
    public async Task UsageError_IsOneLineOnStderr_WithExitTwo(params string[] args)
    {
        var result = await CliRunner.RunAsync(args);

        Assert.Equal(CliExitCodes.Usage, result.ExitCode);
        var line = Assert.Single(result.ErrorLines);
        Assert.StartsWith("error: ", line);
        Assert.EndsWith("(see 'test-worker --help')", line);
        Assert.Empty(result.Out);
    }

    [Fact]
    public async Task DeferOfAnUnknownTask_SuggestsCloseNames_WithoutADatabase()
    {
        var result = await CliRunner.RunAsync(["defer", "cli.gret", "{}"]);

        Assert.Equal(CliExitCodes.Usage, result.ExitCode);
        Assert.Equal("error: Task 'cli.gret' is not registered. Did you mean: cli.greet?", Assert.Single(result.ErrorLines));
    }

    [Theory]
    [InlineData("[1, 2]", "not an array")]
    [InlineData("\"text\"", "not a string")]
    [InlineData("{\"name\": ", "not valid JSON")]
    [InlineData("{\"times\": 2}", "Argument 'name' of task 'cli.greet'")]
    [InlineData("{\"name\": 3}", "Argument 'name' of task 'cli.greet'")]
    [InlineData("{\"name\": \"a\", \"extra\": 1}", "extra")]
    public async Task DeferWithArgumentsThatDoNotFit_FailsBeforeConnecting(string json, string expected)
    {
        var result = await CliRunner.RunAsync(["defer", "cli.greet", json]);

        Assert.Equal(CliExitCodes.Usage, result.ExitCode);
        var line = Assert.Single(result.ErrorLines);
        Assert.StartsWith("error: ", line);
        Assert.Contains(expected, line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DatabaseCommandWithoutAnyConnectionOption_SaysHowToGiveOne()
    {
        var result = await CliRunner.RunAsync(["jobs", "list"]);

        Assert.Equal(CliExitCodes.Usage, result.ExitCode);
        Assert.Contains("No database given: pass --dsn, set PROCRASTINATE_DSN", Assert.Single(result.ErrorLines), StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnreachableDatabase_IsOneLineWithExitOne()
    {
        // Port 1 on loopback: nothing listens there.
        var result = await CliRunner.RunAsync(["--dsn", "postgresql://nobody@127.0.0.1:1/none", "jobs", "list"]);

        Assert.Equal(CliExitCodes.Failure, result.ExitCode);
        var line = Assert.Single(result.ErrorLines);
        Assert.StartsWith("error: Cannot connect to PostgreSQL at 127.0.0.1:1 (database 'none')", line);
    }

    [Fact]
    public async Task ConnectionFromLibpqVariables_IsUsedWithoutDsn()
    {
        var environment = new Dictionary<string, string> { ["PGHOST"] = "127.0.0.1", ["PGPORT"] = "1", ["PGDATABASE"] = "fromenv" };

        var result = await CliRunner.RunAsync(["healthchecks"], environment);

        Assert.Equal(CliExitCodes.Failure, result.ExitCode);
        Assert.Contains("127.0.0.1:1 (database 'fromenv')", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task InvalidEnvironmentValue_IsAUsageError()
    {
        var environment = new Dictionary<string, string> { ["PROCRASTINATE_WORKER_CONCURRENCY"] = "lots", ["PROCRASTINATE_DSN"] = "Host=127.0.0.1;Port=1" };

        var result = await CliRunner.RunAsync(["worker"], environment);

        Assert.Equal(CliExitCodes.Usage, result.ExitCode);
        Assert.Equal("error: Environment variable PROCRASTINATE_WORKER_CONCURRENCY: 'lots' is not an integer.", Assert.Single(result.ErrorLines));
    }

    [Fact]
    public async Task ContradictoryFlags_AreRejected()
    {
        var result = await CliRunner.RunAsync(["--dsn", "Host=127.0.0.1;Port=1", "worker", "--wait", "--one-shot"]);

        Assert.Equal(CliExitCodes.Usage, result.ExitCode);
        Assert.Equal("error: Options --wait and --one-shot cannot be used together.", Assert.Single(result.ErrorLines));
    }

    [Fact]
    public async Task RegisteredTasks_ListWithoutADatabase()
    {
        var text = await CliRunner.RunAsync(["tasks", "--registered"]);
        var json = await CliRunner.RunAsync(["tasks", "--registered", "--json"]);

        Assert.Equal(CliExitCodes.Success, text.ExitCode);
        Assert.Equal(
            [
                "builtin:procrastinate.builtin_tasks.remove_old_jobs (queue builtin, aliases procrastinate.builtin_tasks.remove_old_jobs)",
                "cli.cleanup (queue default, queueing lock cleanup)",
                "cli.fail (queue default)",
                "cli.flaky (queue default, retried)",
                "cli.greet (queue greetings, aliases greet_old, priority 2)",
            ],
            text.OutLines);
        using var document = System.Text.Json.JsonDocument.Parse(json.Out);
        Assert.Equal(5, document.RootElement.GetArrayLength());
        Assert.Equal("greet_old", document.RootElement[4].GetProperty("aliases")[0].GetString());
    }
}
