using Npgsql;
using Procrastinate.PostgreSql.Tests.Infrastructure;

namespace Procrastinate.Cli.Tests;

/// <summary>
/// The sample worker binary run as a process with hostile or careless values: no injection, no secret in any output,
/// the usage exit code (2) with one line naming the value's role, and the database unchanged.
/// </summary>
public sealed class HostileInputTests : CliTest
{
    private const string Injection = "\"x\"; COMMIT; CREATE TABLE public.pwned(id int); --";

    public HostileInputTests(DatabaseFixture database)
        : base(database)
    {
    }

    [Theory]
    [InlineData("option")]
    [InlineData("variable")]
    public async Task SchemaApply_WithAnInjectionAsSchemaName_CreatesOnlyThatSchema(string how)
    {
        var connectionString = await Database.Server.CreateDatabaseAsync();
        try
        {
            var result = how == "option"
                ? await WorkerBinary.RunWithDsnAsync(connectionString, "--schema", Injection, "schema", "--apply")
                : await WorkerBinary.RunAsync(
                    new Dictionary<string, string> { ["PROCRASTINATE_DSN"] = connectionString, ["PROCRASTINATE_SCHEMA"] = Injection },
                    "schema",
                    "--apply");

            Assert.True(result.ExitCode == CliExitCodes.Success, result.ToString());
            var state = await DatabaseState.ReadAsync(connectionString);
            Assert.DoesNotContain(state.Relations, r => r.EndsWith(".pwned", StringComparison.Ordinal));
            Assert.Contains(Injection + ".procrastinate_jobs", state.Relations);
        }
        finally
        {
            NpgsqlConnection.ClearAllPools();
            await Database.Server.DropDatabaseAsync(new NpgsqlConnectionStringBuilder(connectionString).Database!);
        }
    }

    [Theory]
    [InlineData("Host=127.0.0.1;Pasword=", "")]
    [InlineData("Host=127.0.0.1;Password=TOP;SECRETPART2;Database=d1", "SECRETPART2")]
    [InlineData("host=127.0.0.1 password=TOP SECRETPART2 dbname=d1", "SECRETPART2")]
    [InlineData("postgresql://u:TOP?SECRETPART2@127.0.0.1/d1", "SECRETPART2")]
    [InlineData("postgresql://u@127.0.0.1/d1?password=TOP&SECRETPART2=1", "SECRETPART2")]
    public async Task MalformedDsn_IsAUsageError_OnOneLine_WithoutTheSecret(string dsn, string secret)
    {
        foreach (var environment in new[] { new Dictionary<string, string>(), new() { ["PROCRASTINATE_DSN"] = dsn } })
        {
            var result = environment.Count == 0
                ? await WorkerBinary.RunWithDsnAsync(dsn, "jobs", "list")
                : await WorkerBinary.RunAsync(environment, "jobs", "list");

            Assert.True(result.ExitCode == CliExitCodes.Usage, result.ToString());
            Assert.StartsWith("error: ", Assert.Single(result.ErrorLines), StringComparison.Ordinal);
            Assert.Empty(result.Out);
            if (secret.Length > 0)
            {
                Assert.DoesNotContain(secret, result.Error, StringComparison.OrdinalIgnoreCase);
            }
        }
    }

    [Fact]
    public async Task GeneratedMalformedDsns_InProcess_ExitWithUsageOrFailure_NeverShowingTheSecret()
    {
        var failures = new List<string>();
        var runs = 0;

        // Every seventh: the whole set is checked against the reader itself in the store's tests.
        foreach (var dsn in SecretDsns.All().Where((_, i) => i % 7 == 0))
        {
            runs++;
            var result = await CliRunner.RunAsync(["--dsn", dsn.Text, "jobs", "list"]);
            if (result.ExitCode is not (CliExitCodes.Usage or CliExitCodes.Failure) || result.ErrorLines.Count != 1)
            {
                failures.Add($"{dsn.Text}: {result}");
            }
            else if (dsn.LeaksIn(result.Out + result.Error) is { } leak)
            {
                failures.Add($"{dsn.Text}: '{leak}' in {result}");
            }
        }

        Assert.True(runs > 150, $"only {runs} runs");
        Assert.True(failures.Count == 0, $"{failures.Count} of {runs}:\n" + string.Join("\n", failures.Take(20)));
    }

    [Theory]
    [InlineData("--queue", "", "--queue: The queue name is empty")]
    [InlineData("--queue", "a\nb", "--queue: The queue name holds a control character")]
    [InlineData("--queue", "\u001b[2Jq", "--queue: The queue name holds a control character")]
    [InlineData("--queue", "a\u0001b", "--queue: The queue name holds a control character")]
    [InlineData("--queue", "forty-one-bytes-is-one-byte-over-the-limit", "--queue: The queue name is 42 UTF-8 bytes long; the limit is 40")]
    [InlineData("--lock", "", "--lock: The lock is empty")]
    [InlineData("--queueing-lock", "", "--queueing-lock: The queueing lock is empty")]
    [InlineData("--lock", "8k", "--lock: The lock is 8192 UTF-8 bytes long; the limit is 1024")]
    [InlineData("--queueing-lock", "8k", "--queueing-lock: The queueing lock is 8192 UTF-8 bytes long; the limit is 1024")]
    public async Task Defer_WithABadQueueOrLock_IsAUsageError_AndWritesNothing(string option, string value, string message)
    {
        value = value == "8k" ? new string('l', 8192) : value;
        var before = await DatabaseState.ReadAsync(Database.ConnectionString);

        var result = await WorkerBinary.RunWithDsnAsync(Database.ConnectionString, "defer", "sample.sleep", """{"seconds": 0}""", option, value);

        Assert.True(result.ExitCode == CliExitCodes.Usage, result.ToString());
        Assert.StartsWith("error: " + message, Assert.Single(result.ErrorLines), StringComparison.Ordinal);
        Assert.DoesNotContain("\u001b", result.Error, StringComparison.Ordinal);
        Assert.Equal(before, await DatabaseState.ReadAsync(Database.ConnectionString));
    }

    [Theory]
    [InlineData("option", "2030-06-01T12:00:00", "error: --at: the time has no UTC offset; add one")]
    [InlineData("variable", "2030-06-01 12:00", "error: --at: the time has no UTC offset; add one")]
    [InlineData("option", "2030-06-01", "error: --at: the time has no UTC offset; add one")]
    [InlineData("option", "noon\u001b[2J", "error: --at: the value is not an ISO 8601 time")]
    public async Task Defer_WithAnAtWithoutOffsetOrNotATime_IsAUsageError_AndWritesNothing(string how, string at, string message)
    {
        var before = await DatabaseState.ReadAsync(Database.ConnectionString);

        var result = how == "option"
            ? await WorkerBinary.RunWithDsnAsync(Database.ConnectionString, "defer", "--at", at, "sample.sleep", """{"seconds": 0}""")
            : await WorkerBinary.RunAsync(
                new Dictionary<string, string> { ["PROCRASTINATE_DSN"] = Database.ConnectionString, ["PROCRASTINATE_DEFER_AT"] = at },
                "defer",
                "sample.sleep",
                """{"seconds": 0}""");

        Assert.True(result.ExitCode == CliExitCodes.Usage, result.ToString());
        Assert.StartsWith(message, Assert.Single(result.ErrorLines), StringComparison.Ordinal);
        Assert.DoesNotContain("\u001b", result.Error, StringComparison.Ordinal);
        Assert.Equal(before, await DatabaseState.ReadAsync(Database.ConnectionString));
    }

    [Theory]
    [InlineData("sample.fail", """{"reason": "disk \ud800 full"}""", "error: Argument 'reason' of task 'sample.fail' is invalid: the string has a lone UTF-16 surrogate")]
    [InlineData(
        "sample.ship",
        """{"orderId": "5f0c6a38-4a5e-4b8e-9d0a-3a4c1c2b7e10", "address": {"Street": "1 Main", "City": "Lyon"}, "size": 77, "items": ["a"]}""",
        "error: Argument 'size' of task 'sample.ship' is invalid: 77 is not a defined value of enum 'AotWorker.ParcelSize'")]
    public async Task Defer_WithALoneSurrogateOrAnUndefinedEnumValue_IsAUsageError_NamingTheArgument_AndWritesNothing(
        string task, string args, string message)
    {
        var before = await DatabaseState.ReadAsync(Database.ConnectionString);

        var result = await WorkerBinary.RunWithDsnAsync(Database.ConnectionString, "defer", task, args);

        Assert.True(result.ExitCode == CliExitCodes.Usage, result.ToString());
        Assert.StartsWith(message, Assert.Single(result.ErrorLines), StringComparison.Ordinal);
        Assert.Equal(before, await DatabaseState.ReadAsync(Database.ConnectionString));
    }

    [Theory]
    [InlineData("forty-one-bytes-is-one-byte-over-the-limit")]
    [InlineData("a\nb")]
    public async Task Worker_WithAQueueNoJobCanHave_IsAUsageError_AndStartsNoWorker(string queues)
    {
        var before = await DatabaseState.ReadAsync(Database.ConnectionString);

        var result = await WorkerBinary.RunWithDsnAsync(Database.ConnectionString, "worker", "--one-shot", "--queues", queues);

        Assert.True(result.ExitCode == CliExitCodes.Usage, result.ToString());
        Assert.Contains("queue name", Assert.Single(result.ErrorLines), StringComparison.Ordinal);
        Assert.Equal(before, await DatabaseState.ReadAsync(Database.ConnectionString));
    }
}
