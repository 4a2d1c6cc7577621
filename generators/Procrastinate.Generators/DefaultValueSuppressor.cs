using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using Procrastinate.Generators.Helpers;

namespace Procrastinate.Generators;

/// <summary>
/// Silences CS1066 ("default value will have no effect") on parameters of <c>[Task]</c> methods. The user writes
/// only the implementing part of the partial method; the generator copies the default values into the defining
/// declaration it emits, where they do take effect.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class DefaultValueSuppressor : DiagnosticSuppressor
{
    /// <summary>The suppression of CS1066 on task parameters.</summary>
    internal static readonly SuppressionDescriptor TaskParameterDefault = new(
        "PROCSPR001",
        "CS1066",
        "The generator copies a task parameter's default value into the method's generated defining declaration.");

    /// <inheritdoc />
    public override ImmutableArray<SuppressionDescriptor> SupportedSuppressions { get; } = [TaskParameterDefault];

    /// <inheritdoc />
    public override void ReportSuppressions(SuppressionAnalysisContext context)
    {
        var taskAttribute = context.Compilation.GetTypeByMetadataName(KnownTypeSymbols.TaskAttributeName);
        foreach (var diagnostic in context.ReportedDiagnostics)
        {
            var tree = diagnostic.Location.SourceTree;
            if (tree is null)
            {
                continue;
            }

            var node = tree.GetRoot(context.CancellationToken).FindNode(diagnostic.Location.SourceSpan);
            var method = node.FirstAncestorOrSelf<MethodDeclarationSyntax>();
            if (method is null)
            {
                continue;
            }

            var model = context.GetSemanticModel(tree);
            if (model.GetDeclaredSymbol(method, context.CancellationToken) is IMethodSymbol symbol
                && symbol.GetAttributes().Any(a => KnownTypeSymbols.Is(a.AttributeClass, taskAttribute)))
            {
                context.ReportSuppression(Suppression.Create(TaskParameterDefault, diagnostic));
            }
        }
    }
}
