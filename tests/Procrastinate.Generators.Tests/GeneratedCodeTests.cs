using System.Collections.Immutable;
using System.Reflection;
using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;

namespace Procrastinate.Generators.Tests;

/// <summary>
/// Generated code stays reflection-free and trim/Native-AOT clean: a scan of every generated source of the snapshot
/// and round-trip inputs, and the SDK's trim and AOT analyzers run over the same compilations. Each check is also
/// shown to catch a planted violation, so a silent pass means something.
/// </summary>
public partial class GeneratedCodeTests
{
    private const string ReflectiveSource = """
        public static class Reflective
        {
            public static object? Make(string name, object value)
            {
                var type = Type.GetType(name);
                var list = typeof(List<>).MakeGenericType(type!);
                _ = typeof(Reflective).GetMethod("Make");
                _ = System.Text.Json.JsonSerializer.Serialize(value);
                return Activator.CreateInstance(list);
            }
        }
        """;

    private static readonly Lazy<ImmutableArray<DiagnosticAnalyzer>> TrimAnalyzers = new(() =>
        new AnalyzerFileReference(BuildInfo.TrimAnalyzerPath, new Loader()).GetAnalyzers(LanguageNames.CSharp));

    private static readonly Lazy<ISourceGenerator> JsonGenerator = new(() =>
        new AnalyzerFileReference(BuildInfo.JsonGeneratorPath, new Loader()).GetGenerators(LanguageNames.CSharp).Single());

    /// <summary>Every input whose generated code is checked: each snapshot input, and the round-trip tasks.</summary>
    public static TheoryData<string> Inputs()
    {
        var data = new TheoryData<string>();
        foreach (var name in SnapshotTests.Inputs.Keys)
        {
            data.Add(name);
        }

        data.Add("RoundTrip");
        return data;
    }

    private static (Compilation Output, IReadOnlyList<SyntaxTree> Generated) Generate(string input)
    {
        var roundTrip = input == "RoundTrip";
        var sources = roundTrip
            ? Directory.GetFiles(Path.Combine(BuildInfo.ProjectDirectory, "RoundTrip"), "*Tasks.cs").Select(File.ReadAllText).ToArray()
            : SnapshotTests.Inputs[input];
        ISourceGenerator[] generators = roundTrip
            ? [new TaskGenerator().AsSourceGenerator(), JsonGenerator.Value]
            : [new TaskGenerator().AsSourceGenerator()];
        var driver = CSharpGeneratorDriver.Create(generators, parseOptions: GeneratorHarness.ParseOptions)
            .RunGeneratorsAndUpdateCompilation(GeneratorHarness.Compile(sources), out var output, out _);
        var generated = driver.GetRunResult().Results[0].GeneratedSources.Select(s => s.SyntaxTree).ToList();
        Assert.NotEmpty(generated);
        return (output, generated);
    }

    [Theory]
    [MemberData(nameof(Inputs))]
    public void GeneratedCode_UsesNoReflectionAndHasNoTrimOrAotWarnings(string input)
    {
        var (output, generated) = Generate(input);

        Assert.Empty(output.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error));
        Assert.Empty(FindReflection(output, generated));
        Assert.Empty(TrimAndAotDiagnostics(output));
    }

    [Fact]
    public void Checks_CatchPlantedReflection()
    {
        var compilation = GeneratorHarness.Compile(ReflectiveSource);
        var planted = compilation.SyntaxTrees.Last();

        var found = FindReflection(compilation, [planted]);
        Assert.Contains(found, f => f.Contains("Type.GetType", StringComparison.Ordinal));
        Assert.Contains(found, f => f.Contains("MakeGenericType", StringComparison.Ordinal));
        Assert.Contains(found, f => f.Contains("GetMethod", StringComparison.Ordinal));
        Assert.Contains(found, f => f.Contains("Activator", StringComparison.Ordinal));
        Assert.Contains(found, f => f.Contains("JsonSerializer.Serialize without a JsonTypeInfo", StringComparison.Ordinal));

        var ids = TrimAndAotDiagnostics(compilation).Select(d => d.Id).ToHashSet();
        Assert.Contains("IL2026", ids); // RequiresUnreferencedCode: JsonSerializer.Serialize(object)
        Assert.Contains("IL3050", ids); // RequiresDynamicCode: MakeGenericType
        Assert.Contains("IL2057", ids); // Type.GetType with an unknown string
    }

    /// <summary>Reflection in <paramref name="trees"/>: by text, and by the symbol each call or member access binds to.</summary>
    private static List<string> FindReflection(Compilation compilation, IEnumerable<SyntaxTree> trees)
    {
        var found = new List<string>();
        foreach (var tree in trees)
        {
            var text = tree.GetText().ToString();
            found.AddRange(ForbiddenText().Matches(text).Select(m => $"{tree.FilePath}: text '{m.Value}'"));
            var model = compilation.GetSemanticModel(tree);
            foreach (var node in tree.GetRoot().DescendantNodes().Where(n => n is InvocationExpressionSyntax or MemberAccessExpressionSyntax or ObjectCreationExpressionSyntax or TypeOfExpressionSyntax))
            {
                if (node is TypeOfExpressionSyntax)
                {
                    found.Add($"{tree.FilePath}: typeof at {node.GetLocation().GetLineSpan().StartLinePosition}");
                    continue;
                }

                if (model.GetSymbolInfo(node).Symbol is not { } symbol)
                {
                    continue;
                }

                var type = symbol as INamedTypeSymbol ?? symbol.ContainingType;
                var typeName = type?.ToDisplayString() ?? "";
                var where = $"{tree.FilePath}: {symbol.ToDisplayString()}";
                if (typeName.StartsWith("System.Reflection.", StringComparison.Ordinal)
                    || symbol.ContainingNamespace?.ToDisplayString().StartsWith("System.Reflection", StringComparison.Ordinal) == true
                    || typeName is "System.Activator" or "System.Type" or "System.Linq.Expressions.Expression")
                {
                    found.Add(where);
                }

                if (typeName == "System.Text.Json.JsonSerializer" && symbol is IMethodSymbol method
                    && !method.Parameters.Any(p => p.Type.Name is "JsonTypeInfo" or "JsonSerializerContext"))
                {
                    found.Add(where + " is JsonSerializer.Serialize without a JsonTypeInfo");
                }
            }
        }

        return found.Distinct().ToList();
    }

    private static IReadOnlyList<Diagnostic> TrimAndAotDiagnostics(Compilation compilation)
    {
        var options = new AnalyzerOptions([], new GlobalOptionsProvider(new Dictionary<string, string>
        {
            ["build_property.EnableTrimAnalyzer"] = "true",
            ["build_property.EnableAotAnalyzer"] = "true",
            ["build_property.EnableSingleFileAnalyzer"] = "true",
            ["build_property.IsAotCompatible"] = "true",
        }));
        Assert.NotEmpty(TrimAnalyzers.Value);
        return compilation.WithAnalyzers(TrimAnalyzers.Value, options)
            .GetAnalyzerDiagnosticsAsync()
            .GetAwaiter()
            .GetResult()
            .Where(d => d.Severity >= DiagnosticSeverity.Warning)
            .ToList();
    }

    [GeneratedRegex(@"System\.Reflection|Activator|Type\.GetType|MakeGenericType|\.GetMethod\(|\.GetProperty\(|\.GetField\(|\bdynamic\b|JsonSerializerOptions")]
    private static partial Regex ForbiddenText();

    private sealed class Loader : IAnalyzerAssemblyLoader
    {
        public void AddDependencyLocation(string fullPath)
        {
        }

        public Assembly LoadFromPath(string fullPath) => Assembly.LoadFrom(fullPath);
    }

    private sealed class GlobalOptionsProvider(Dictionary<string, string> values) : AnalyzerConfigOptionsProvider
    {
        public override AnalyzerConfigOptions GlobalOptions { get; } = new Options(values);

        public override AnalyzerConfigOptions GetOptions(SyntaxTree tree) => new Options([]);

        public override AnalyzerConfigOptions GetOptions(AdditionalText textFile) => new Options([]);

        private sealed class Options(Dictionary<string, string> values) : AnalyzerConfigOptions
        {
            public override bool TryGetValue(string key, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out string? value) =>
                values.TryGetValue(key, out value);
        }
    }
}
