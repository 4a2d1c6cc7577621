using Procrastinate.PostgreSql.Tests.Infrastructure;

namespace Procrastinate.Cli.Tests;

public sealed class WorkerCommandTests : CliTest
{
    public WorkerCommandTests(DatabaseFixture database)
        : base(database)
    {
    }

    [Fact]
    public async Task OneShot_RunsEveryJob_PrintsWhatItListensTo_AndASummary()
    {
        var ok = IdOf(await RunAsync("defer", "cli.greet", """{"name": "w", "times": 2}"""));
        var failed = IdOf(await RunAsync("defer", "cli.fail", """{"reason": "on purpose"}"""));
        var flaky = IdOf(await RunAsync("defer", "cli.flaky"));

        var result = await RunAsync("worker", "--one-shot", "--name", "cli-test", "--concurrency", "2", "-p", "0.2");

        Assert.Equal(CliExitCodes.Success, result.ExitCode);
        Assert.Equal("w x2", CliTestTasks.Ran[ok]);
        Assert.Equal(JobStatus.Succeeded, (await GetJobAsync(ok)).Status);
        Assert.Equal(JobStatus.Failed, (await GetJobAsync(failed)).Status);
        var retried = await GetJobAsync(flaky);
        Assert.Equal((JobStatus.Succeeded, 2), (retried.Status, retried.Attempts));
        Assert.Contains(
            result.ErrorLines,
            l => l.StartsWith("Worker cli-test (id ", StringComparison.Ordinal)
                && l.EndsWith(") listening on all queues with notifications and polling (every 0.2 s), concurrency 2, one shot", StringComparison.Ordinal));
        Assert.Matches(
            @"^Worker cli-test stopped after \d+\.\d s: 4 job\(s\) run, 2 succeeded, 2 raised an error, 0 aborted$",
            result.ErrorLines[^1]);
    }

    [Fact]
    public async Task Options_FromEnvironment_QueuesAndDeleteJobs()
    {
        var greeting = IdOf(await RunAsync("defer", "cli.greet", """{"name": "q"}"""));
        var other = IdOf(await RunAsync("defer", "cli.flaky"));

        var result = await CliRunner.RunAsync(
            ["worker"],
            new Dictionary<string, string>
            {
                ["PROCRASTINATE_DSN"] = Database.ConnectionString,
                ["PROCRASTINATE_WORKER_QUEUES"] = "greetings, elsewhere",
                ["PROCRASTINATE_WORKER_WAIT"] = "false",
                ["PROCRASTINATE_WORKER_DELETE_JOBS"] = "successful",
                ["PROCRASTINATE_WORKER_LISTEN_NOTIFY"] = "no",
                ["PROCRASTINATE_WORKER_NAME"] = "env-worker",
                ["PROCRASTINATE_WORKER_FETCH_JOB_POLLING_INTERVAL"] = "0.5",
            });

        Assert.Equal(CliExitCodes.Success, result.ExitCode);
        Assert.Contains(
            "listening on queues greetings, elsewhere with polling only (every 0.5 s), concurrency 1, one shot",
            result.Error,
            StringComparison.Ordinal);
        var remaining = await JobsAsync();
        Assert.Equal(other, Assert.Single(remaining).Id);
        Assert.True(CliTestTasks.Ran.ContainsKey(greeting));
    }

    [Fact]
    public async Task CommandLineOptions_WinOverEnvironment()
    {
        var result = await CliRunner.RunAsync(
            ["--dsn", Database.ConnectionString, "worker", "--one-shot", "-n", "cli", "-q", "greetings"],
            new Dictionary<string, string> { ["PROCRASTINATE_WORKER_NAME"] = "env", ["PROCRASTINATE_WORKER_QUEUES"] = "x" });

        Assert.Equal(CliExitCodes.Success, result.ExitCode);
        Assert.Contains("Worker cli (id ", result.Error, StringComparison.Ordinal);
        Assert.Contains("listening on queues greetings ", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verbose_ShowsDebugLogLines()
    {
        var quiet = await RunAsync("defer", "cli.flaky");
        var verbose = await RunAsync("-v", "defer", "cli.flaky");
        var fromEnv = await CliRunner.RunAsync(
            ["defer", "cli.flaky"],
            new Dictionary<string, string> { ["PROCRASTINATE_DSN"] = Database.ConnectionString, ["PROCRASTINATE_VERBOSE"] = "1" });
        var worker = await RunAsync("worker", "--one-shot");

        Assert.Empty(quiet.Error);
        Assert.Equal("DEBUG:Procrastinate:Deferred 1 job(s)", Assert.Single(verbose.ErrorLines));
        Assert.Equal("DEBUG:Procrastinate:Deferred 1 job(s)", Assert.Single(fromEnv.ErrorLines));
        Assert.Contains(worker.ErrorLines, l => l.StartsWith("INFO:Procrastinate.Worker:Starting worker", StringComparison.Ordinal));
        Assert.DoesNotContain(worker.ErrorLines, l => l.StartsWith("DEBUG:", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Worker_Cancelled_StopsGracefully()
    {
        using var cts = new CancellationTokenSource();
        var run = CliRunner.RunAsync(["--dsn", Database.ConnectionString, "worker", "-p", "0.2"], cancellationToken: cts.Token);
        await Task.Delay(TimeSpan.FromSeconds(1));
        await cts.CancelAsync();

        var result = await run.WaitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(CliExitCodes.Success, result.ExitCode);
        Assert.Contains("stopped after", result.ErrorLines[^1], StringComparison.Ordinal);
    }
}
