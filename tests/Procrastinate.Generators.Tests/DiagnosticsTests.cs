using Microsoft.CodeAnalysis;

namespace Procrastinate.Generators.Tests;

/// <summary>One test per diagnostic: the input, and every diagnostic the generator reports for it.</summary>
public class DiagnosticsTests
{
    /// <summary>Runs the generator and asserts the exact set of generator diagnostics (ID and the marked text).</summary>
    private static GeneratorResult AssertDiagnostics(string source, params (string Id, string Text)[] expected) =>
        AssertDiagnostics([source], expected);

    private static GeneratorResult AssertDiagnostics(string[] sources, params (string Id, string Text)[] expected)
    {
        var result = GeneratorHarness.Run(sources);
        var actual = result.GeneratorDiagnostics
            .Select(d => (d.Id, Text: result.Output.SyntaxTrees.Single(t => t.FilePath == d.Location.GetLineSpan().Path).GetText().ToString(d.Location.SourceSpan)))
            .OrderBy(d => d.Id, StringComparer.Ordinal)
            .ThenBy(d => d.Text, StringComparer.Ordinal)
            .ToList();
        Assert.Equal(expected.OrderBy(d => d.Id, StringComparer.Ordinal).ThenBy(d => d.Text, StringComparer.Ordinal), actual);
        Assert.All(result.GeneratorDiagnostics, d => Assert.EndsWith("docs/diagnostics/" + d.Id + ".md", d.Descriptor.HelpLinkUri, StringComparison.Ordinal));
        if (expected.Length == 0)
        {
            Assert.Empty(result.CompilationProblems);
        }

        return result;
    }

    private static string Message(string source) => GeneratorHarness.Run(source).GeneratorDiagnostics.Single().GetMessage(System.Globalization.CultureInfo.InvariantCulture);

    [Fact]
    public void ValidTasks_NoDiagnosticsAndOutputCompiles()
    {
        AssertDiagnostics(
            [
                SnapshotTests.OrderContext,
                """
                namespace App.Shop;
                public static partial class Orders
                {
                    [Task(Queue = "orders", Retry = 3, RetryOn = [typeof(TimeoutException)])]
                    [Periodic("0 4 * * sun")]
                    public static partial Task Ship(long timestamp, Order? order = null, List<Order>? previous = null, CancellationToken ct = default) => Task.CompletedTask;

                    [Task]
                    internal static partial void Audit(string @event, JobContext context) { }
                }
                """,
            ]);
    }

    [Fact]
    public void TypeNotPartial_PROC001()
    {
        AssertDiagnostics("""
            public static class Tasks
            {
                [Task] public static partial void Run() { }
            }
            """, ("PROC001", "Tasks"));
    }

    [Fact]
    public void MethodNotPartial_PROC002()
    {
        AssertDiagnostics("""
            public static partial class Tasks
            {
                [Task] public static void Run() { }
            }
            """, ("PROC002", "Run"));
    }

    [Fact]
    public void GenericMethodOrType_PROC003()
    {
        AssertDiagnostics("""
            public static partial class Tasks
            {
                [Task] public static partial void Run<T>(T value) { }
            }
            public static partial class Generic<T>
            {
                [Task] public static partial void Go() { }
            }
            """, ("PROC003", "Go"), ("PROC003", "Run"), ("PROC004", "value"));
    }

    [Fact]
    public void UnsupportedParameterType_PROC004()
    {
        AssertDiagnostics("""
            public static partial class Tasks
            {
                [Task] public static partial void Run(object anything, Action callback, int[,] grid) { }
            }
            """, ("PROC004", "anything"), ("PROC004", "callback"), ("PROC004", "grid"));
    }

    [Fact]
    public void UncoveredParameterType_PROC005SaysWhatToAdd()
    {
        var source = """
            namespace App;
            public sealed record Order(int Id);
            public static partial class Tasks
            {
                [Task] public static partial void Run(List<Order> orders) { }
            }
            """;
        AssertDiagnostics(source, ("PROC005", "orders"));
        Assert.Contains("[JsonSerializable(typeof(App.Order))]", Message(source), StringComparison.Ordinal);
    }

    [Fact]
    public void DuplicateNameOrAlias_PROC006()
    {
        AssertDiagnostics("""
            public static partial class Tasks
            {
                [Task(Name = "same")] public static partial void First() { }
                [Task(Name = "other", Aliases = ["same"])] public static partial void Second() { }
            }
            """, ("PROC006", "Second"));
    }

    [Fact]
    public void AliasRepeatingTheTasksOwnName_PROC006()
    {
        var source = """
            public static partial class Tasks
            {
                [Task(Name = "run", Aliases = ["run"])] public static partial void Run() { }
                [Task(Name = "go", Aliases = ["old", "old"])] public static partial void Go() { }
            }
            """;
        AssertDiagnostics(source, ("PROC006", "Aliases = [\"old\", \"old\"]"), ("PROC006", "Aliases = [\"run\"]"));
        Assert.Contains(
            GeneratorHarness.Run(source).GeneratorDiagnostics.Select(d => d.GetMessage(System.Globalization.CultureInfo.InvariantCulture)),
            m => m.StartsWith("Task name 'run' is used by both 'Tasks.Run' and its own name or another of its aliases", StringComparison.Ordinal));
    }

    [Fact]
    public void InvalidCron_PROC007AtTheAttribute()
    {
        var source = """
            public static partial class Tasks
            {
                [Task]
                [Periodic("61 * * * *")]
                [Periodic("* * * *", PeriodicId = "b")]
                [Periodic("0 0 31 feb xyz", PeriodicId = "c")]
                [Periodic("*/0 * * * * *", PeriodicId = "d")]
                [Periodic("0 0 * * MONDAY", PeriodicId = "e")]
                public static partial void Run(long timestamp) { }
            }
            """;
        AssertDiagnostics(
            source,
            ("PROC007", "\"61 * * * *\""),
            ("PROC007", "\"* * * *\""),
            ("PROC007", "\"0 0 31 feb xyz\""),
            ("PROC007", "\"*/0 * * * * *\""),
            ("PROC007", "\"0 0 * * MONDAY\""));
    }

    [Fact]
    public void PeriodicTaskWithANonLongTimestampOrARepeatedId_PROC014()
    {
        var source = """
            public static partial class Tasks
            {
                [Task] [Periodic("* * * * *")] public static partial void NoTimestamp(int count = 0) { }
                [Task] [Periodic("* * * * *")] public static partial void IntTimestamp(int timestamp) { }
                [Task] [Periodic("* * * * *")] public static partial void Renamed([TaskArgument("timestamp")] long tick) { }
                [Task] [Periodic("0 * * * *", PeriodicId = "a")] [Periodic("1 * * * *", PeriodicId = "a")] public static partial void Twice(long timestamp) { }
            }
            """;
        // NoTimestamp is fine: declaring the tick's timestamp is optional.
        AssertDiagnostics(
            source,
            ("PROC014", "Periodic(\"* * * * *\")"),
            ("PROC014", "Periodic(\"1 * * * *\", PeriodicId = \"a\")"));
        var messages = GeneratorHarness.Run(source).GeneratorDiagnostics.Select(d => d.GetMessage(System.Globalization.CultureInfo.InvariantCulture)).ToList();
        Assert.DoesNotContain(messages, m => m.Contains("'Tasks.NoTimestamp'", StringComparison.Ordinal));
        Assert.Contains(messages, m => m.Contains("'Tasks.IntTimestamp'", StringComparison.Ordinal) && m.Contains("declare it 'long'", StringComparison.Ordinal));
        Assert.Contains(messages, m => m.Contains("'Tasks.Twice'", StringComparison.Ordinal) && m.Contains("PeriodicId 'a'", StringComparison.Ordinal));
    }

    [Fact]
    public void PeriodicArgsThatDoNotFitTheParameters_PROC015()
    {
        var source = """
            public enum Color { Red, Green }
            public static partial class Tasks
            {
                [Task] [Periodic("* * * * *", Args = "{}")] public static partial void Missing(string region, int count = 1) { }
                [Task] [Periodic("* * * * *", Args = "{\"region\": \"eu\", \"cuont\": 2}")] public static partial void Unknown(string region, int count = 1) { }
                [Task] [Periodic("* * * * *", Args = "{\"count\": \"2\"}")] public static partial void WrongType(int count) { }
                [Task] [Periodic("* * * * *", Args = "{\"count\": 2.5}")] public static partial void Fraction(int count) { }
                [Task] [Periodic("* * * * *", Args = "{\"name\": null}")] public static partial void NullForString(string name) { }
                [Task] [Periodic("* * * * *", Args = "[1]")] public static partial void NotAnObject() { }
                [Task] [Periodic("* * * * *", Args = "{\"a\": 1, \"a\": 2}")] public static partial void Twice(int a) { }
                [Task] [Periodic("* * * * *", Args = "{\"timestamp\": 1}")] public static partial void SetsTimestamp(long timestamp) { }
                [Task] [Periodic("* * * * *", Args = "{\"region\": \"eu\"")] public static partial void Unclosed(string region) { }
            }
            """;
        AssertDiagnostics(
            source,
            ("PROC015", "Args = \"{}\""),
            ("PROC015", "Args = \"{\\\"region\\\": \\\"eu\\\", \\\"cuont\\\": 2}\""),
            ("PROC015", "Args = \"{\\\"count\\\": \\\"2\\\"}\""),
            ("PROC015", "Args = \"{\\\"count\\\": 2.5}\""),
            ("PROC015", "Args = \"{\\\"name\\\": null}\""),
            ("PROC015", "Args = \"[1]\""),
            ("PROC015", "Args = \"{\\\"a\\\": 1, \\\"a\\\": 2}\""),
            ("PROC015", "Args = \"{\\\"timestamp\\\": 1}\""),
            ("PROC015", "Args = \"{\\\"region\\\": \\\"eu\\\"\""));
        var messages = GeneratorHarness.Run(source).GeneratorDiagnostics.Select(d => d.GetMessage(System.Globalization.CultureInfo.InvariantCulture)).ToList();
        Assert.Contains(messages, m => m.Contains("'Tasks.Missing'", StringComparison.Ordinal) && m.Contains("required argument 'region'", StringComparison.Ordinal));
        Assert.Contains(messages, m => m.Contains("'Tasks.Unknown'", StringComparison.Ordinal) && m.Contains("'cuont', which is not an argument of the task (region, count)", StringComparison.Ordinal));
        Assert.Contains(messages, m => m.Contains("'Tasks.WrongType'", StringComparison.Ordinal) && m.Contains("gives 'count' a JSON string, but the argument is 'int'", StringComparison.Ordinal));
        Assert.Contains(messages, m => m.Contains("'Tasks.Twice'", StringComparison.Ordinal) && m.Contains("'a' more than once", StringComparison.Ordinal));
        Assert.Contains(messages, m => m.Contains("'Tasks.NotAnObject'", StringComparison.Ordinal) && m.Contains("not a JSON object", StringComparison.Ordinal));
    }

    [Fact]
    public void PeriodicArgsThatFit_NoDiagnostic()
    {
        AssertDiagnostics("""
            public enum Color { Red, Green }
            public static partial class Tasks
            {
                [Task]
                [Periodic("* * * * *", Args = "{\"region\": \"eu\", \"sizes\": [1, 2], \"ratio\": 1, \"color\": 1, \"note\": null, \"tags\": {\"a\": \"b\"}, \"on\": true}")]
                [Periodic("0 * * * *", PeriodicId = "b", Args = " { \"region\" : \"us\\u00e9\" } ")]
                public static partial void Fits(
                    string region, long timestamp, int[]? sizes = null, double ratio = 0, Color color = Color.Red, string? note = null,
                    Dictionary<string, string>? tags = null, bool on = false) { }
            }
            """);
    }

    [Fact]
    public void UnknownPeriodicTimeZone_PROC016()
    {
        var source = """
            public static partial class Tasks
            {
                [Task] [Periodic("0 4 * * *", TimeZone = "Europe/Pariss")] public static partial void Typo() { }
                [Task] [Periodic("0 4 * * *", TimeZone = "europe/paris")] public static partial void Case() { }
                [Task] [Periodic("0 4 * * *", TimeZone = "")] public static partial void Empty() { }
                [Task] [Periodic("0 4 * * *", TimeZone = "Europe/Paris")] public static partial void Iana() { }
                [Task] [Periodic("0 4 * * *", TimeZone = "Romance Standard Time")] public static partial void Windows() { }
                [Task] [Periodic("0 4 * * *", TimeZone = "UTC")] public static partial void Utc() { }
            }
            """;
        AssertDiagnostics(
            source,
            ("PROC016", "TimeZone = \"Europe/Pariss\""),
            ("PROC016", "TimeZone = \"europe/paris\""),
            ("PROC016", "TimeZone = \"\""));
        var messages = GeneratorHarness.Run(source).GeneratorDiagnostics.Select(d => d.GetMessage(System.Globalization.CultureInfo.InvariantCulture)).ToList();
        Assert.Contains(messages, m => m.Contains("'europe/paris'", StringComparison.Ordinal) && m.Contains("did you mean 'Europe/Paris'?", StringComparison.Ordinal));
    }

    [Fact]
    public void InvalidMiddleware_PROC018()
    {
        var source = """
            public static partial class Tasks
            {
                public static ValueTask<object?> Timed(JobContext context, Func<ValueTask<object?>> next) => next();
                public static JobMiddleware Shared { get; } = static (context, next) => next();
                internal static readonly JobMiddleware Field = static (context, next) => next();
                private static ValueTask<object?> Hidden(JobContext context, Func<ValueTask<object?>> next) => next();
                public static ValueTask<object?> WrongSignature(JobContext context) => default;
                public ValueTask<object?> Instance(JobContext context, Func<ValueTask<object?>> next) => next();
                public static Func<JobContext, ValueTask> WrongType { get; } = static _ => default;

                [Task(Middleware = [nameof(Timed), nameof(Shared), nameof(Field)])] public static partial void Fine() { }
                [Task(Middleware = ["Missing"])] public static partial void NoSuchMember() { }
                [Task(Middleware = [nameof(Hidden)])] public static partial void Private() { }
                [Task(Middleware = [nameof(WrongSignature)])] public static partial void Signature() { }
                [Task(Middleware = [nameof(Instance)])] public static partial void NotStatic() { }
                [Task(Middleware = [nameof(WrongType)])] public static partial void Type() { }
                [Task(Middleware = [nameof(Timed), nameof(Timed)])] public static partial void Twice() { }
                [Task(Middleware = [""])] public static partial void Empty() { }
            }
            """;
        AssertDiagnostics(
            source,
            ("PROC018", "Middleware = [\"Missing\"]"),
            ("PROC018", "Middleware = [nameof(Hidden)]"),
            ("PROC018", "Middleware = [nameof(WrongSignature)]"),
            ("PROC018", "Middleware = [nameof(Instance)]"),
            ("PROC018", "Middleware = [nameof(WrongType)]"),
            ("PROC018", "Middleware = [nameof(Timed), nameof(Timed)]"),
            ("PROC018", "Middleware = [\"\"]"));
        var messages = GeneratorHarness.Run(source).GeneratorDiagnostics.Select(d => d.GetMessage(System.Globalization.CultureInfo.InvariantCulture)).ToList();
        Assert.Contains(messages, m => m.Contains("'Missing'", StringComparison.Ordinal) && m.Contains("'Tasks' has no static method, property or field named 'Missing'", StringComparison.Ordinal));
        Assert.Contains(messages, m => m.Contains("'Tasks.Hidden' is private or protected", StringComparison.Ordinal));
        Assert.Contains(messages, m => m.Contains("'Tasks.WrongSignature' does not have the signature of Procrastinate.JobMiddleware", StringComparison.Ordinal));
        Assert.Contains(messages, m => m.Contains("'Tasks.Instance' is not static", StringComparison.Ordinal));
        Assert.Contains(messages, m => m.Contains("'Tasks.WrongType' has type 'System.Func<Procrastinate.JobContext, System.Threading.Tasks.ValueTask>'", StringComparison.Ordinal));
        Assert.Contains(messages, m => m.Contains("listed more than once", StringComparison.Ordinal));
    }

    [Fact]
    public void MiddlewareByName_IsWiredInTheRegistryEntry_OutermostFirst()
    {
        var result = AssertDiagnostics("""
            namespace App;
            public class Base
            {
                internal static ValueTask<object?> Inherited(JobContext context, Func<ValueTask<object?>> next) => next();
            }
            public partial class Tasks : Base
            {
                public static ValueTask<object?> Timed(JobContext context, Func<ValueTask<object?>> next) => next();
                public static JobMiddleware Shared { get; } = static (context, next) => next();

                [Task(Middleware = [nameof(Shared), nameof(Timed), nameof(Inherited)])] public static partial void Run() { }
            }
            """);

        Assert.Contains(
            "Middleware = new global::Procrastinate.JobMiddleware[] { global::App.Tasks.Shared, global::App.Tasks.Timed, global::App.Base.Inherited },",
            result.Sources["App.Tasks.Run.g.cs"],
            StringComparison.Ordinal);
    }

    [Fact]
    public void DateTimeGivenAsASchedule_PROC017()
    {
        var result = GeneratorHarness.Run("""
            using Procrastinate.Storage;
            public static partial class Tasks
            {
                [Task] public static partial void Send(string to) { }
            }

            public static class Calls
            {
                // Not a task's Configure: it does not return a TaskDeferrer.
                public static int Configure(DateTimeOffset? scheduleAt = null) => 0;

                public static void Run(DateTime local, DateTime? maybe, DateTimeOffset exact)
                {
                    Send.Configure(scheduleAt: local);
                    Send.Configure(scheduleAt: DateTime.UtcNow);
                    Send.Configure(null, null, local.AddHours(1));
                    Send.Configure(scheduleAt: (DateTimeOffset)local);
                    Send.Configure(scheduleAt: maybe);
                    Procrastinate.BuiltinTasks.RemoveOldJobs.Configure(scheduleAt: local);
                    DeferOptions.Create(scheduleAt: local);
                    _ = new DeferOptions { ScheduleAt = local };
                    _ = new JobToDefer("t", "q", "{}", ScheduledAt: local);
                    _ = new JobToDefer("t", "q", "{}") { ScheduledAt = local };

                    Send.Configure(scheduleAt: exact);
                    Send.Configure(scheduleAt: DateTimeOffset.UtcNow);
                    Send.Configure(scheduleAt: new DateTimeOffset(local, TimeSpan.Zero));
                    Send.Configure(scheduleAt: null);
                    Send.Configure(scheduleIn: TimeSpan.FromMinutes(5));
                    DeferOptions.Create(scheduleAt: exact);
                    _ = new DeferOptions { ScheduleAt = exact };
                    Configure(scheduleAt: local);
                }
            }
            """);

        Assert.Empty(result.GeneratorDiagnostics);
        Assert.DoesNotContain(result.CompilationProblems, d => d.Id != "PROC017");
        var diagnostics = result.AnalyzerDiagnostics;
        Assert.Equal(
            [
                ("scheduleAt", "local"),
                ("scheduleAt", "DateTime.UtcNow"),
                ("scheduleAt", "local.AddHours(1)"),
                ("scheduleAt", "(DateTimeOffset)local"),
                ("scheduleAt", "maybe"),
                ("scheduleAt", "local"),
                ("scheduleAt", "local"),
                ("ScheduleAt", "local"),
                ("ScheduledAt", "local"),
                ("ScheduledAt", "local"),
            ],
            diagnostics
                .OrderBy(d => d.Location.SourceSpan.Start)
                .Select(d => (Role: d.GetMessage(System.Globalization.CultureInfo.InvariantCulture).Split('\'')[1], Text: d.Location.SourceTree!.GetText().ToString(d.Location.SourceSpan)))
                .ToList());
        Assert.All(diagnostics, d =>
        {
            Assert.Equal("PROC017", d.Id);
            Assert.Equal(DiagnosticSeverity.Warning, d.Severity);
            Assert.EndsWith("docs/diagnostics/PROC017.md", d.Descriptor.HelpLinkUri, StringComparison.Ordinal);
        });
    }

    /// <summary>Every id the generator accepts from its list is one the worker finds on this machine.</summary>
    [Fact]
    public void EveryListedTimeZone_IsFoundAtRunTime()
    {
        var listed = typeof(Helpers.TimeZoneIds)
            .GetField("Known", System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)!
            .GetValue(null) as HashSet<string>;
        Assert.NotNull(listed);
        Assert.True(listed.Count > 700);
        var missing = listed.Where(id =>
        {
            try
            {
                return TimeZoneInfo.FindSystemTimeZoneById(id) is null;
            }
            catch (TimeZoneNotFoundException)
            {
                return true;
            }
        }).ToList();
        Assert.Empty(missing);
    }

    [Theory]
    [InlineData("* * * * *")]
    [InlineData("*/15 0-6,22,23 1-31/2 JAN-dec Mon-Fri")]
    [InlineData("59 23 31 12 6 59")]
    [InlineData("0 4 * * sun 30")]
    [InlineData("5-1 * * * *")]
    [InlineData("5/10 * * * *")]
    public void ValidCron_NoDiagnostic(string cron)
    {
        Assert.Null(Helpers.CronValidator.Validate(cron));
    }

    [Fact]
    public void InvalidRetry_PROC008()
    {
        AssertDiagnostics("""
            public sealed class NoCtor : IRetryStrategy
            {
                public NoCtor(int x) { }
                public RetryDecision? GetRetryDecision(Exception exception, Job job) => null;
            }
            public sealed class NotAStrategy { }
            public static partial class Tasks
            {
                [Task(Retry = -2)] public static partial void Negative() { }
                [Task(RetryWaitSeconds = -1)] public static partial void NegativeWait() { }
                [Task(Retry = 3, RetryStrategy = typeof(NoCtor))] public static partial void Both() { }
                [Task(RetryStrategy = typeof(NotAStrategy))] public static partial void Wrong() { }
                [Task(RetryOn = [typeof(string)])] public static partial void NotException() { }
            }
            """,
            ("PROC008", "Retry = -2"),
            ("PROC008", "RetryWaitSeconds = -1"),
            ("PROC008", "RetryStrategy = typeof(NoCtor)"),
            ("PROC008", "RetryStrategy = typeof(NoCtor)"),
            ("PROC008", "RetryStrategy = typeof(NotAStrategy)"),
            ("PROC008", "RetryOn = [typeof(string)]"));
    }

    [Fact]
    public void InvalidRetryStrategyFactory_PROC008()
    {
        AssertDiagnostics("""
            public sealed class Backoff(int times) : IRetryStrategy
            {
                public RetryDecision? GetRetryDecision(Exception exception, Job job) => job.Attempts < times ? new RetryDecision() : null;
            }
            public static partial class Tasks
            {
                private static IRetryStrategy Hidden() => new Backoff(1);
                internal static string NotAStrategy => "";
                internal static IRetryStrategy WithArgument(int times) => new Backoff(times);
                internal static IRetryStrategy Fine() => new Backoff(2);

                [Task(RetryStrategyFactory = "Missing")] public static partial void Missing() { }
                [Task(RetryStrategyFactory = nameof(Hidden))] public static partial void Private() { }
                [Task(RetryStrategyFactory = nameof(NotAStrategy))] public static partial void WrongType() { }
                [Task(RetryStrategyFactory = nameof(WithArgument))] public static partial void TakesArgument() { }
                [Task(RetryStrategyFactory = nameof(Fine), Retry = 2)] public static partial void WithRetry() { }
                [Task(RetryStrategyFactory = nameof(Fine), RetryStrategy = typeof(Backoff))] public static partial void WithType() { }
                [Task(Retry = 0, RetryOn = [typeof(TimeoutException)])] public static partial void ZeroRetries() { }
            }
            """,
            ("PROC008", "RetryStrategyFactory = \"Missing\""),
            ("PROC008", "RetryStrategyFactory = nameof(Hidden)"),
            ("PROC008", "RetryStrategyFactory = nameof(NotAStrategy)"),
            ("PROC008", "RetryStrategyFactory = nameof(WithArgument)"),
            ("PROC008", "RetryStrategyFactory = nameof(Fine)"),
            ("PROC008", "RetryStrategyFactory = nameof(Fine)"),
            ("PROC008", "RetryStrategy = typeof(Backoff)"),
            ("PROC008", "Retry = 0"));
    }

    [Fact]
    public void RetryStrategyFactory_MethodPropertyOrFieldOfTheTaskType_CompilesWithoutDiagnostic()
    {
        var result = AssertDiagnostics("""
            namespace App;
            public sealed class Backoff(int times) : IRetryStrategy
            {
                public RetryDecision? GetRetryDecision(Exception exception, Job job) => job.Attempts < times ? new RetryDecision() : null;
            }
            public class BaseTasks
            {
                internal static readonly Backoff Shared = new(4);
            }
            public partial class Tasks : BaseTasks
            {
                internal static Backoff Payments() => new(5);
                public static IRetryStrategy Reports { get; } = new Backoff(1);

                [Task(RetryStrategyFactory = nameof(Payments))] public static partial void Pay() { }
                [Task(RetryStrategyFactory = nameof(Reports))] public static partial void Report() { }
                [Task(RetryStrategyFactory = nameof(Shared))] public static partial void Inherited() { }
            }
            """);

        Assert.Contains("RetryStrategy = global::App.Tasks.Payments(),", result.Sources["App.Tasks.Pay.g.cs"], StringComparison.Ordinal);
        Assert.Contains("RetryStrategy = global::App.Tasks.Reports,", result.Sources["App.Tasks.Report.g.cs"], StringComparison.Ordinal);
        Assert.Contains("RetryStrategy = global::App.BaseTasks.Shared,", result.Sources["App.Tasks.Inherited.g.cs"], StringComparison.Ordinal);
    }

    [Fact]
    public void RetrySettingsWithoutRetry_RetryWithoutLimit()
    {
        var result = AssertDiagnostics("""
            namespace App;
            public static partial class Tasks
            {
                [Task(RetryOn = [typeof(TimeoutException)])] public static partial void OnTimeouts() { }
                [Task(RetryWaitSeconds = 5)] public static partial void Waits() { }
                [Task(Retry = 3, RetryOn = [typeof(TimeoutException)])] public static partial void Three() { }
                [Task(Retry = 0)] public static partial void Never() { }
            }
            """);

        Assert.Contains("new global::Procrastinate.RetryStrategy(maxAttempts: null,", result.Sources["App.Tasks.OnTimeouts.g.cs"], StringComparison.Ordinal);
        Assert.Contains("new global::Procrastinate.RetryStrategy(maxAttempts: null,", result.Sources["App.Tasks.Waits.g.cs"], StringComparison.Ordinal);
        Assert.Contains("new global::Procrastinate.RetryStrategy(maxAttempts: 3,", result.Sources["App.Tasks.Three.g.cs"], StringComparison.Ordinal);
        Assert.DoesNotContain("RetryStrategy", result.Sources["App.Tasks.Never.g.cs"], StringComparison.Ordinal);
    }

    [Fact]
    public void QueueNameTooLong_PROC009()
    {
        AssertDiagnostics("""
            public static partial class Tasks
            {
                [Task(Queue = "ééééééééééééééééééééé")] public static partial void Run() { }
                [Task(Queue = "")] public static partial void Empty() { }
                [Task(Queue = "exactly_forty_bytes_long_queue_name_0123")] public static partial void Fine() { }
            }
            """, ("PROC009", "Queue = \"ééééééééééééééééééééé\""), ("PROC009", "Queue = \"\""));
    }

    [Fact]
    public void GeneratedNameClash_PROC010()
    {
        AssertDiagnostics("""
            namespace App;
            public class Existing { }
            public static partial class A
            {
                [Task] public static partial void Existing() { }
                [Task] public static partial void Same() { }
                [Task(Name = "b")] public static partial void Keys(int value, [TaskArgument("value")] int other) { }
                [Task(Name = "c")] public static partial void Props(int count, int Count) { }
                [Task(Name = "d")] public static partial void Reserved(string transaction) { }
            }
            public static partial class B
            {
                [Task] public static partial void Same() { }
            }
            """,
            ("PROC010", "Existing"),
            ("PROC010", "Keys"),
            ("PROC010", "Props"),
            ("PROC010", "Reserved"),
            ("PROC010", "Same"));
    }

    [Fact]
    public void RefOutParamsParameters_PROC011()
    {
        AssertDiagnostics("""
            public static partial class Tasks
            {
                [Task] public static partial void Run(ref int a, out int b, in int c, params int[] d) { b = 0; }
            }
            """, ("PROC011", "a"), ("PROC011", "b"), ("PROC011", "c"), ("PROC011", "d"));
    }

    [Fact]
    public void TwoContextsOrTokens_PROC012()
    {
        AssertDiagnostics("""
            public static partial class Tasks
            {
                [Task] public static partial void Run(JobContext a, JobContext b, CancellationToken c, CancellationToken d) { }
            }
            """, ("PROC012", "b"), ("PROC012", "d"));
    }

    [Fact]
    public void PrivateOrInstanceMethod_PROC013()
    {
        AssertDiagnostics("""
            public partial class Tasks
            {
                [Task] private static partial void Hidden() { }
                [Task] public partial void Instance() { }
                private static partial class Inner
                {
                    [Task] public static partial void Nested() { }
                }
            }
            """, ("PROC013", "Hidden"), ("PROC013", "Instance"), ("PROC013", "Nested"));
    }

    [Fact]
    public void EveryDescriptor_HasAHelpPageAReleaseEntryAndATest()
    {
        var descriptors = typeof(Diagnostics.DiagnosticDescriptors)
            .GetFields(System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Static)
            .Select(f => (DiagnosticDescriptor)f.GetValue(null)!)
            .ToList();
        var releases = File.ReadAllText(Path.Combine(BuildInfo.RepositoryRoot, "generators", "Procrastinate.Generators", "AnalyzerReleases.Unshipped.md"));
        var testNames = typeof(DiagnosticsTests).GetMethods().Select(m => m.Name).ToList();
        Assert.Equal(18, descriptors.Count);
        Assert.Equal(descriptors.Count, descriptors.Select(d => d.Id).Distinct().Count());
        foreach (var descriptor in descriptors)
        {
            Assert.EndsWith("/docs/diagnostics/" + descriptor.Id + ".md", descriptor.HelpLinkUri, StringComparison.Ordinal);
            var page = Path.Combine(BuildInfo.RepositoryRoot, "docs", "diagnostics", descriptor.Id + ".md");
            Assert.True(File.Exists(page), page + " is missing");
            var text = File.ReadAllText(page);
            Assert.StartsWith("# " + descriptor.Id + ": " + descriptor.Title, text, StringComparison.Ordinal);
            Assert.Contains("## How to fix", text, StringComparison.Ordinal);
            Assert.Contains("```csharp", text, StringComparison.Ordinal);
            Assert.Contains(descriptor.Id + " | Procrastinate | " + descriptor.DefaultSeverity + " | " + descriptor.Title, releases, StringComparison.Ordinal);
            Assert.Contains(testNames, n => n.Contains("_" + descriptor.Id, StringComparison.Ordinal));
        }
    }

    [Fact]
    public void WrongArgumentType_IsTheCompilersOwnTypeError()
    {
        var result = GeneratorHarness.Run("""
            public static partial class AlphabetTasks
            {
                [Task] public static partial void WriteAlphabet(string letter) { }
            }
            public static class Caller
            {
                public static ValueTask<long> Call() => WriteAlphabet.DeferAsync(1);
            }
            """);
        Assert.Empty(result.GeneratorDiagnostics);
        Assert.Contains(result.CompilationProblems, d => d.Id == "CS1503" && d.Severity == DiagnosticSeverity.Error);
    }
}
