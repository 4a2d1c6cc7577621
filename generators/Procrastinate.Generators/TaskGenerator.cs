using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Procrastinate.Generators;

/// <summary>
/// Generates, for every <c>[Task]</c> method, the method's defining declaration, a typed handle named after the
/// method (defer, configure, batch defer, transactional defer), its JSON argument reader and writer and invoker,
/// and one registry of the assembly's tasks (<c>Procrastinate.Generated.&lt;Assembly&gt;Tasks.All</c>).
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed partial class TaskGenerator : IIncrementalGenerator
{
    private const string TaskAttributeName = "Procrastinate.TaskAttribute";
    private const string JsonSerializableAttributeName = "System.Text.Json.Serialization.JsonSerializableAttribute";

    /// <inheritdoc />
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        var tasks = context.SyntaxProvider
            .ForAttributeWithMetadataName(
                TaskAttributeName,
                static (node, _) => node is MethodDeclarationSyntax,
                static (syntaxContext, cancellationToken) => Parser.ParseTask(syntaxContext, cancellationToken))
            .WithTrackingName(TrackingNames.Tasks);

        // Our generator cannot see the System.Text.Json generator's output, but it can read the user's
        // [JsonSerializable] attributes to know which context serves which argument type.
        var jsonContexts = context.SyntaxProvider
            .ForAttributeWithMetadataName(
                JsonSerializableAttributeName,
                static (node, _) => node is ClassDeclarationSyntax,
                static (syntaxContext, cancellationToken) => Parser.ParseJsonContext(syntaxContext, cancellationToken))
            .Where(static model => model is not null)
            .Select(static (model, _) => model!)
            .WithTrackingName(TrackingNames.JsonContexts);

        var assemblyName = context.CompilationProvider
            .Select(static (compilation, _) => compilation.AssemblyName ?? "")
            .WithTrackingName(TrackingNames.AssemblyName);

        // Diagnostics carry source locations, which move with any edit above them; the generated sources do not. So
        // diagnostics are reported from their own output, and the sources come from location-free models: an edit
        // that only moves a task regenerates nothing.
        var diagnosticsInput = tasks.Collect()
            .Combine(jsonContexts.Collect())
            .WithTrackingName(TrackingNames.DiagnosticsInput);
        context.RegisterSourceOutput(
            diagnosticsInput,
            static (productionContext, source) => Emitter.ReportDiagnostics(productionContext, source.Left, source.Right));

        var emitModels = tasks
            .Select(static (task, _) => task.WithoutLocations())
            .WithTrackingName(TrackingNames.EmitModels);
        var combined = emitModels.Collect()
            .Combine(jsonContexts.Collect())
            .Combine(assemblyName)
            .WithTrackingName(TrackingNames.Combined);

        context.RegisterSourceOutput(
            combined,
            static (productionContext, source) => Emitter.Emit(
                productionContext,
                source.Left.Left,
                source.Left.Right,
                source.Right));
    }
}
