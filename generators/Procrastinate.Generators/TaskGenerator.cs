using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Procrastinate.Generators.Helpers;

namespace Procrastinate.Generators;

/// <summary>
/// Generates, for every <c>[Task]</c> method, one file with the method's defining declaration, a typed handle named
/// after the method (defer, configure, batch defer, transactional defer), its JSON argument reader and writer and
/// invoker; and one registry of the assembly's tasks (<c>Procrastinate.Generated.&lt;Assembly&gt;Tasks.All</c>).
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed partial class TaskGenerator : IIncrementalGenerator
{
    /// <inheritdoc />
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        var tasks = context.SyntaxProvider
            .ForAttributeWithMetadataName(
                KnownTypeSymbols.TaskAttributeName,
                static (node, _) => node is MethodDeclarationSyntax,
                static (syntaxContext, cancellationToken) => Parser.ParseTask(syntaxContext, cancellationToken))
            .WithTrackingName(TrackingNames.Tasks);

        // Our generator cannot see the System.Text.Json generator's output, but it can read the user's
        // [JsonSerializable] attributes to know which context serves which argument type.
        var jsonContexts = context.SyntaxProvider
            .ForAttributeWithMetadataName(
                KnownTypeSymbols.JsonSerializableAttributeName,
                static (node, _) => node is ClassDeclarationSyntax,
                static (syntaxContext, cancellationToken) => Parser.ParseJsonContext(syntaxContext, cancellationToken))
            .Where(static model => model is not null)
            .Select(static (model, _) => model!)
            .WithTrackingName(TrackingNames.JsonContexts);

        var assemblyName = context.CompilationProvider
            .Select(static (compilation, _) => compilation.AssemblyName ?? "")
            .WithTrackingName(TrackingNames.AssemblyName);

        // Diagnostics carry source locations, which move with any edit above them; the generated sources do not. So
        // the sources come from location-free models (an edit that only moves a task regenerates nothing), and the
        // diagnostics are reported from their own output, which attaches the current locations.
        var emitModels = tasks
            .Select(static (task, _) => task.WithoutLocations())
            .WithTrackingName(TrackingNames.EmitModels);

        // The checks across tasks run once, here; both the sources and the diagnostics read their result.
        var taskSet = emitModels.Collect()
            .Combine(jsonContexts.Collect())
            .Select(static (source, cancellationToken) => Validator.Validate(source.Left, source.Right, cancellationToken))
            .WithTrackingName(TrackingNames.TaskSet);

        // One output per task: an edit to one task regenerates that task's file (and the registry only when the
        // list of handles changes).
        var taskSources = taskSet
            .SelectMany(static (set, _) => set.Sources)
            .WithTrackingName(TrackingNames.TaskSources);
        context.RegisterSourceOutput(taskSources, static (productionContext, source) => Emitter.EmitTask(productionContext, source));

        var registry = taskSet
            .Select(static (set, _) => set.Registered)
            .Combine(assemblyName)
            .WithTrackingName(TrackingNames.Registry);
        context.RegisterSourceOutput(
            registry,
            static (productionContext, source) => Emitter.EmitRegistry(productionContext, source.Left, source.Right));

        var diagnosticsInput = tasks.Collect()
            .Combine(taskSet.Select(static (set, _) => set.Diagnostics))
            .WithTrackingName(TrackingNames.DiagnosticsInput);
        context.RegisterSourceOutput(
            diagnosticsInput,
            static (productionContext, source) => Emitter.ReportDiagnostics(productionContext, source.Left, source.Right));
    }
}
