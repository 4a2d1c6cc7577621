using System.Collections;
using System.Reflection;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Text;

namespace Procrastinate.Generators.Tests;

/// <summary>
/// The generator's pipeline caches: a second run, or an edit that does not change what a step produces, leaves
/// each tracked step (<see cref="TrackingNames"/>) <c>Cached</c> or <c>Unchanged</c>, and an edit that matters
/// shows as <c>Modified</c>. Models hold only equatable data, never symbols, syntax or the compilation.
/// </summary>
public class IncrementalityTests
{
    private const string TaskFile = """
        namespace App;
        public static partial class Tasks
        {
            [Task(Queue = "first")]
            public static partial void First(string letter) { }

            [Task]
            [Periodic("*/5 * * * *")]
            public static partial void Last(long timestamp, int count = 1)
            {
                System.Console.WriteLine(count);
            }
        }
        """;

    private const string UnrelatedFile = """
        namespace App;
        public static class Helper
        {
            public static int Twice(int value) => value * 2;
        }
        """;

    private static readonly string[] StepNames = typeof(TrackingNames)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Where(f => f.IsLiteral)
        .Select(f => (string)f.GetRawConstantValue()!)
        .ToArray();

    /// <summary>Runs the driver on <paramref name="first"/>, then on <paramref name="second"/>; returns the second run.</summary>
    private static GeneratorRunResult RunTwice(Compilation first, Compilation second)
    {
        var driver = GeneratorHarness.CreateDriver().RunGenerators(first);
        var firstResult = driver.GetRunResult().Results.Single();
        Assert.Null(firstResult.Exception);
        Assert.Equal(StepNames.Order(StringComparer.Ordinal), firstResult.TrackedSteps.Keys.Where(StepNames.Contains).Order(StringComparer.Ordinal));
        return driver.RunGenerators(second).GetRunResult().Results.Single();
    }

    /// <summary>Replaces <paramref name="oldText"/>, which must occur in exactly one file, by <paramref name="newText"/>.</summary>
    private static Compilation Edit(Compilation compilation, string oldText, string newText)
    {
        var tree = compilation.SyntaxTrees.Single(t => t.GetText().ToString().Contains(oldText, StringComparison.Ordinal));
        var text = tree.GetText();
        var start = text.ToString().IndexOf(oldText, StringComparison.Ordinal);
        return compilation.ReplaceSyntaxTree(tree, tree.WithChangedText(text.WithChanges(new TextChange(new TextSpan(start, oldText.Length), newText))));
    }

    private static IEnumerable<(string Step, IncrementalStepRunReason Reason)> Reasons(GeneratorRunResult result) =>
        StepNames.SelectMany(name => result.TrackedSteps[name])
            .SelectMany(step => step.Outputs.Select(output => (step.Name!, output.Reason)))
            .Concat(result.TrackedOutputSteps.SelectMany(pair => pair.Value
                .SelectMany(step => step.Outputs.Select(output => ("output " + pair.Key, output.Reason)))));

    private static void AssertAllCachedOrUnchanged(GeneratorRunResult result)
    {
        var reasons = Reasons(result).ToList();
        Assert.NotEmpty(reasons);
        Assert.All(reasons, r => Assert.True(
            r.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged,
            $"step {r.Step} was {r.Reason}"));
    }

    private static IncrementalStepRunReason[] StepReasons(GeneratorRunResult result, string name) =>
        result.TrackedSteps[name].SelectMany(step => step.Outputs).Select(output => output.Reason).ToArray();

    [Fact]
    public void SecondRunOnAClonedCompilation_EveryStepCachedOrUnchanged()
    {
        var compilation = GeneratorHarness.Compile(TaskFile, UnrelatedFile, SnapshotTests.OrderContext);

        AssertAllCachedOrUnchanged(RunTwice(compilation, compilation.Clone()));
    }

    [Fact]
    public void UnrelatedFileEdited_EveryStepCachedOrUnchanged()
    {
        var compilation = GeneratorHarness.Compile(TaskFile, UnrelatedFile, SnapshotTests.OrderContext);
        var edited = Edit(compilation, "value * 2", "value + value");

        AssertAllCachedOrUnchanged(RunTwice(compilation, edited));
    }

    [Fact]
    public void UnrelatedFileAdded_EveryStepCachedOrUnchanged()
    {
        var compilation = GeneratorHarness.Compile(TaskFile, SnapshotTests.OrderContext);
        var added = compilation.AddSyntaxTrees(CSharpSyntaxTree.ParseText(UnrelatedFile, GeneratorHarness.ParseOptions, path: "Added.cs"));

        AssertAllCachedOrUnchanged(RunTwice(compilation, added));
    }

    [Fact]
    public void MethodBodyChanged_NothingRegenerated()
    {
        // The first method's body: the second task's recorded location moves (its diagnostics would be reported at
        // the new place), but the location-free models the sources are made from stay equal.
        var compilation = GeneratorHarness.Compile(TaskFile, UnrelatedFile, SnapshotTests.OrderContext);
        var edited = Edit(compilation, "First(string letter) { }", "First(string letter)\n    {\n        System.Console.WriteLine(letter);\n    }");

        var result = RunTwice(compilation, edited);

        Assert.Equal([IncrementalStepRunReason.Unchanged, IncrementalStepRunReason.Modified], StepReasons(result, TrackingNames.Tasks));
        Assert.Equal([IncrementalStepRunReason.Cached, IncrementalStepRunReason.Unchanged], StepReasons(result, TrackingNames.EmitModels));
        Assert.All(StepReasons(result, TrackingNames.TaskSet), r => Assert.Equal(IncrementalStepRunReason.Cached, r));
        Assert.Empty(RegeneratedOutputs(result));
    }

    [Fact]
    public void EditAboveATaskWithAnError_ReportsTheErrorAtItsNewPlace()
    {
        var compilation = GeneratorHarness.Compile("""
            public static partial class Tasks
            {
                [Task] public static partial void A() { }
                [Task(Queue = "")] public static partial void B() { }
            }
            """, SnapshotTests.OrderContext);
        var edited = Edit(compilation, "A() { }", "A()\n    {\n        System.Console.WriteLine();\n    }");

        var result = RunTwice(compilation, edited);

        var diagnostic = Assert.Single(result.Diagnostics);
        Assert.Equal("PROC009", diagnostic.Id);
        var tree = edited.SyntaxTrees.Single(t => t.FilePath == diagnostic.Location.GetLineSpan().Path);
        Assert.Same(edited.SyntaxTrees.Single(t => t.GetText().ToString().Contains("WriteLine", StringComparison.Ordinal)), tree);
        Assert.Equal("Queue = \"\"", tree.GetText().ToString(diagnostic.Location.SourceSpan));
    }

    [Fact]
    public void LastMethodBodyChanged_EveryStepCachedOrUnchanged()
    {
        var compilation = GeneratorHarness.Compile(TaskFile, UnrelatedFile, SnapshotTests.OrderContext);
        var edited = Edit(compilation, "System.Console.WriteLine(count);", "System.Console.WriteLine(count + 1);\n        return;");

        AssertAllCachedOrUnchanged(RunTwice(compilation, edited));
    }

    [Fact]
    public void AttributeChanged_TaskModelModifiedAndSourceRegenerated()
    {
        var compilation = GeneratorHarness.Compile(TaskFile, UnrelatedFile, SnapshotTests.OrderContext);
        var edited = Edit(compilation, "[Periodic(\"*/5 * * * *\")]", "[Periodic(\"*/7 * * * *\")]");

        var result = RunTwice(compilation, edited);

        Assert.Equal([IncrementalStepRunReason.Unchanged, IncrementalStepRunReason.Modified], StepReasons(result, TrackingNames.Tasks));
        Assert.Equal([IncrementalStepRunReason.Cached, IncrementalStepRunReason.Modified], StepReasons(result, TrackingNames.EmitModels));
        Assert.Equal([IncrementalStepRunReason.Modified], StepReasons(result, TrackingNames.TaskSet));
        Assert.Equal([IncrementalStepRunReason.Unchanged, IncrementalStepRunReason.Modified], StepReasons(result, TrackingNames.TaskSources));
        Assert.Contains("\"*/7 * * * *\"", result.GeneratedSources.Single(s => s.HintName == "App.Tasks.Last.g.cs").SourceText.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void JsonContextChanged_ContextModelModified()
    {
        var compilation = GeneratorHarness.Compile(TaskFile, SnapshotTests.OrderContext);
        var edited = Edit(compilation, "[JsonSerializable(typeof(Money))]", "[JsonSerializable(typeof(Money))]\n[JsonSerializable(typeof(int))]");

        var result = RunTwice(compilation, edited);

        Assert.Equal([IncrementalStepRunReason.Modified], StepReasons(result, TrackingNames.JsonContexts));
        Assert.Equal([IncrementalStepRunReason.Unchanged, IncrementalStepRunReason.Unchanged], StepReasons(result, TrackingNames.Tasks));
        // No task uses the newly covered type: no task's file is regenerated.
        Assert.Empty(RegeneratedOutputs(result));
    }

    private const string ThreeTasks = """
        namespace App;
        public static partial class Jobs
        {
            [Task(Queue = "first")]
            public static partial void First(string letter) { }

            [Task(Priority = 1)]
            public static partial void Middle(int count) { }

            [Task]
            public static partial void Last(App.Shop.Order order) { }
        }
        """;

    /// <summary>
    /// The source outputs that ran again in <paramref name="result"/> (not served from the cache), each named by what
    /// it was made from: the task's method name, or <c>registry</c>. The diagnostics output (which adds no source and
    /// reruns whenever a location moves) is left out.
    /// </summary>
    private static List<string> RegeneratedOutputs(GeneratorRunResult result) =>
        result.TrackedOutputSteps
            .SelectMany(pair => pair.Value)
            .Where(step => step.Outputs.Any(output => output.Reason is not (IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged)))
            .Select(step => step.Inputs.Single().Source.Outputs[step.Inputs.Single().OutputIndex].Value switch
            {
                Models.TaskSourceModel source => source.Task.MethodName,
                ValueTuple<Helpers.EquatableArray<string>, string> => "registry",
                _ => "diagnostics",
            })
            .Where(name => name != "diagnostics")
            .Order(StringComparer.Ordinal)
            .ToList();

    [Fact]
    public void OneTaskAttributeEdited_OnlyThatTasksSourceRegenerated()
    {
        var compilation = GeneratorHarness.Compile(ThreeTasks, SnapshotTests.OrderContext);
        var edited = Edit(compilation, "[Task(Priority = 1)]", "[Task(Priority = 2)]");

        var result = RunTwice(compilation, edited);

        Assert.Equal(["Middle"], RegeneratedOutputs(result));
        Assert.Equal(
            [IncrementalStepRunReason.Unchanged, IncrementalStepRunReason.Modified, IncrementalStepRunReason.Unchanged],
            StepReasons(result, TrackingNames.TaskSources));
        Assert.Contains("Priority = 2,", result.GeneratedSources.Single(s => s.HintName == "App.Jobs.Middle.g.cs").SourceText.ToString(), StringComparison.Ordinal);
        Assert.Equal(4, result.GeneratedSources.Length);
    }

    [Fact]
    public void OneTaskParameterEdited_OnlyThatTasksSourceRegenerated()
    {
        var compilation = GeneratorHarness.Compile(ThreeTasks, SnapshotTests.OrderContext);
        var edited = Edit(compilation, "First(string letter)", "First(string letter, int times = 2)");

        var result = RunTwice(compilation, edited);

        Assert.Equal(["First"], RegeneratedOutputs(result));
        Assert.Contains("int times = (int)(2)", result.GeneratedSources.Single(s => s.HintName == "App.Jobs.First.g.cs").SourceText.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void TaskAdded_ItsSourceAndTheRegistryGenerated()
    {
        var compilation = GeneratorHarness.Compile(ThreeTasks, SnapshotTests.OrderContext);
        // Added after the others: outputs are matched by position, so a task inserted before others would also
        // regenerate those after it (Roslyn compares a provider's items in order).
        var edited = Edit(compilation, "Last(App.Shop.Order order) { }", "Last(App.Shop.Order order) { }\n\n    [Task] public static partial void Added() { }");

        var result = RunTwice(compilation, edited);

        Assert.Equal(["Added", "registry"], RegeneratedOutputs(result));
        Assert.Contains("global::App.Added.Definition", result.GeneratedSources.Single(s => s.HintName == "Procrastinate.Generated.Registry.g.cs").SourceText.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void TaskRenamedToADuplicate_ErrorReportedOnceAndOnlyItsSourceRegenerated()
    {
        var compilation = GeneratorHarness.Compile(ThreeTasks, SnapshotTests.OrderContext);
        var edited = Edit(compilation, "[Task(Priority = 1)]", "[Task(Priority = 1, Name = \"App.Jobs.First\")]");

        var result = RunTwice(compilation, edited);

        var diagnostic = Assert.Single(result.Diagnostics);
        Assert.Equal("PROC006", diagnostic.Id);
        Assert.Equal("Middle", edited.SyntaxTrees.Single(t => t.FilePath == diagnostic.Location.GetLineSpan().Path).GetText().ToString(diagnostic.Location.SourceSpan));
        // The renamed task loses its handle (its file keeps only the defining declaration) and the registry drops it.
        Assert.Equal(["Middle", "registry"], RegeneratedOutputs(result));
        Assert.DoesNotContain("App.Middle", result.GeneratedSources.Single(s => s.HintName == "Procrastinate.Generated.Registry.g.cs").SourceText.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Models_HoldNoSymbolSyntaxOrCompilation()
    {
        var sources = SnapshotTests.Inputs.Values.SelectMany(s => s).Distinct().ToArray();
        var driver = GeneratorHarness.CreateDriver().RunGenerators(GeneratorHarness.Compile(sources));
        var result = driver.GetRunResult().Results.Single();
        var models = StepNames
            .SelectMany(name => result.TrackedSteps[name])
            .SelectMany(step => step.Outputs)
            .Select(output => output.Value)
            .ToList();

        var visited = new HashSet<object>(ReferenceEqualityComparer.Instance);
        foreach (var model in models)
        {
            Walk(model, "model", visited);
        }

        Assert.Contains(visited, o => o is Models.TaskModel);
        Assert.Contains(visited, o => o is Models.JsonContextModel);
        Assert.Contains(visited, o => o is Models.ParameterModel);
        Assert.Contains(visited, o => o is Models.DiagnosticInfo);
    }

    private static readonly Type[] Forbidden =
    [
        typeof(ISymbol), typeof(SyntaxNode), typeof(SyntaxTree), typeof(Compilation), typeof(SemanticModel),
        typeof(Location), typeof(AttributeData), typeof(SyntaxReference), typeof(TypedConstant), typeof(SyntaxToken),
    ];

    private static void Walk(object? value, string path, HashSet<object> visited)
    {
        if (value is null || value is string || value.GetType().IsPrimitive || value.GetType().IsEnum)
        {
            return;
        }

        var type = value.GetType();
        Assert.False(Forbidden.Any(f => f.IsAssignableFrom(type)), $"{path} holds a {type.FullName}");
        if (!type.IsValueType && !visited.Add(value))
        {
            return;
        }

        if (value is DiagnosticDescriptor)
        {
            return; // Static, immutable data: strings and enums.
        }

        if (value is IEnumerable items and not string)
        {
            var i = 0;
            foreach (var item in items)
            {
                Walk(item, $"{path}[{i++}]", visited);
            }
        }

        for (var current = type; current is not null && current != typeof(object); current = current.BaseType)
        {
            foreach (var field in current.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
            {
                Walk(field.GetValue(value), path + "." + field.Name, visited);
            }
        }
    }
}
