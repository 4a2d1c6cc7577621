namespace Procrastinate.Generators.Tests;

/// <summary>
/// The generated source of representative tasks, compared with <c>Snapshots/&lt;test&gt;/*.verified.cs</c>. After an
/// intended emitter change, rerun with <c>PROCRASTINATE_UPDATE_SNAPSHOTS=1</c> and review the diff of the snapshots.
/// </summary>
public class SnapshotTests
{
    /// <summary>A stand-in for what System.Text.Json's generator would complete; enough for the generated code to compile.</summary>
    internal const string OrderContext = """
        using System.Text.Json.Serialization;
        namespace App.Shop;
        public sealed record Order(int Id, string Customer);
        public readonly record struct Money(decimal Amount, string Currency);
        [JsonSerializable(typeof(Order))]
        [JsonSerializable(typeof(Money))]
        internal partial class ShopJsonContext : JsonSerializerContext
        {
            public ShopJsonContext(System.Text.Json.JsonSerializerOptions? options) : base(options) { }
            public static ShopJsonContext Default { get; } = new(null);
            protected override System.Text.Json.JsonSerializerOptions? GeneratedSerializerOptions => null;
            public override System.Text.Json.Serialization.Metadata.JsonTypeInfo? GetTypeInfo(Type type) => null;
        }
        """;

    /// <summary>The representative inputs, by test name; <see cref="GeneratedCodeTests"/> scans their output too.</summary>
    internal static readonly IReadOnlyDictionary<string, string[]> Inputs = new Dictionary<string, string[]>
    {
        [nameof(OneStringArgument)] =
        [
            """
            namespace App.Tasks;
            public static partial class AlphabetTasks
            {
                [Task]
                public static partial void WriteAlphabet(string letter) => Console.WriteLine(letter);
            }
            """,
        ],
        [nameof(EveryTaskOption)] =
        [
            """
            namespace App.Mail;
            public sealed class TransientError : Exception { }
            public static partial class MailTasks
            {
                [Task(Name = "python.module.send_email", Aliases = ["send_email_old", "mail"], Queue = "emails", Priority = 3,
                    Lock = "mailbox", QueueingLock = "one-waiting", Retry = TaskAttribute.Forever, RetryWaitSeconds = 1.5,
                    RetryLinearWaitSeconds = 0.5, RetryExponentialWaitSeconds = 2, RetryOn = [typeof(TransientError), typeof(TimeoutException)])]
                public static partial async Task<string> SendEmail(
                    [TaskArgument("to_address")] string to,
                    JobContext context,
                    int retries = 3,
                    string? subject = null,
                    CancellationToken cancellationToken = default)
                {
                    await Task.Delay(1, cancellationToken);
                    return to + context.Job.Id + retries + subject;
                }
            }
            """,
        ],
        [nameof(PeriodicWithCustomRetryStrategy)] =
        [
            """
            namespace App.Jobs;
            public sealed class NeverRetry : IRetryStrategy
            {
                public RetryDecision? GetRetryDecision(Exception exception, Job job) => null;
            }
            public static partial class Maintenance
            {
                [Task(RetryStrategy = typeof(NeverRetry), Retry = 0)]
                [Periodic("*/5 * * * *")]
                [Periodic("0 4 * * mon-fri 0", PeriodicId = "weekdays", Args = "{\"max_hours\": 2}")]
                public static partial ValueTask Cleanup(long timestamp, [TaskArgument("max_hours")] int maxHours = 1) => ValueTask.CompletedTask;
            }
            """,
        ],
        [nameof(EverySupportedType)] =
        [
            """
            namespace App.Types;
            public enum Color { Red = 1, Green = 2 }
            public enum Big : long { Low = long.MinValue }
            public static partial class TypeTasks
            {
                [Task]
                public static partial void Everything(
                    bool flag, byte b, sbyte sb, short s, ushort us, int i, uint ui, long l, ulong ul, nint ni, nuint nu,
                    float f, double d, decimal m, string text, char c, Guid id, DateTime at, DateTimeOffset offset,
                    DateOnly day, TimeOnly time, TimeSpan span, Color color, Big big, int? maybe, string? note,
                    DateTime? when, int[] numbers, List<string> tags, IReadOnlyList<DateTimeOffset> times,
                    Dictionary<string, int> counts, Dictionary<string, List<decimal?>> prices, List<int?[]>? nested)
                {
                }
            }
            """,
        ],
        [nameof(JsonContextArguments)] =
        [
            OrderContext,
            """
            namespace App.Shop;
            public static partial class ShopTasks
            {
                [Task]
                public static partial Task<int> Ship(Order order, Order? previous, List<Order> batch, Money? refund) => Task.FromResult(order.Id);
            }
            """,
        ],
        [nameof(GlobalNamespaceNestedTypesAndNoArguments)] =
        [
            """
            internal partial record Outer
            {
                internal partial struct Inner
                {
                    [Task(Queue = "ticks")]
                    internal static partial int Count(CancellationToken cancellationToken) => 42;

                    [Task]
                    public static partial Task Ping() => Task.CompletedTask;
                }
            }
            """,
        ],
        [nameof(UserWroteTheDefiningDeclaration)] =
        [
            """
            namespace App;
            public static partial class Tasks
            {
                public static partial void Run(int count, string label = "x");

                [Task]
                public static partial void Run(int count, string label) { }
            }
            """,
        ],
        [nameof(TaskWithErrors_GetsOnlyItsDefinition)] =
        [
            """
            namespace App;
            public static partial class Tasks
            {
                [Task]
                public static partial void Run(object anything, int count = 2) { }

                [Task]
                public static partial void Fine(int count) { }
            }
            """,
        ],
    };

    private static void RunAndVerify(string name, params string[] expectedDiagnostics)
    {
        var result = GeneratorHarness.Run(Inputs[name]);
        Assert.Equal(expectedDiagnostics, result.GeneratorDiagnostics.Select(d => d.Id).Order(StringComparer.Ordinal));
        Assert.Empty(result.CompilationProblems);
        Snapshot.Verify(name, result.Sources);
    }

    [Fact]
    public void OneStringArgument() => RunAndVerify(nameof(OneStringArgument));

    [Fact]
    public void EveryTaskOption() => RunAndVerify(nameof(EveryTaskOption));

    [Fact]
    public void PeriodicWithCustomRetryStrategy() => RunAndVerify(nameof(PeriodicWithCustomRetryStrategy));

    [Fact]
    public void EverySupportedType() => RunAndVerify(nameof(EverySupportedType));

    [Fact]
    public void JsonContextArguments() => RunAndVerify(nameof(JsonContextArguments));

    [Fact]
    public void GlobalNamespaceNestedTypesAndNoArguments() => RunAndVerify(nameof(GlobalNamespaceNestedTypesAndNoArguments));

    [Fact]
    public void UserWroteTheDefiningDeclaration() => RunAndVerify(nameof(UserWroteTheDefiningDeclaration));

    [Fact]
    public void TaskWithErrors_GetsOnlyItsDefinition() => RunAndVerify(nameof(TaskWithErrors_GetsOnlyItsDefinition), "PROC004");

    [Fact]
    public void EveryInputHasATestAndEverySnapshotFolderAnInput()
    {
        var tests = typeof(SnapshotTests).GetMethods()
            .Where(m => m.GetCustomAttributes(typeof(FactAttribute), false).Length > 0 && Inputs.ContainsKey(m.Name))
            .Select(m => m.Name);
        Assert.Equal(Inputs.Keys.Order(StringComparer.Ordinal), tests.Order(StringComparer.Ordinal));
        var folders = Directory.GetDirectories(Path.Combine(BuildInfo.ProjectDirectory, "Snapshots")).Select(Path.GetFileName);
        Assert.Equal(Inputs.Keys.Order(StringComparer.Ordinal), folders.Order(StringComparer.Ordinal));
    }
}
