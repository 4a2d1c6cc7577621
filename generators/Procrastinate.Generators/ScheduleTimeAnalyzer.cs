using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;
using Procrastinate.Generators.Diagnostics;

namespace Procrastinate.Generators;

/// <summary>
/// PROC017: a <c>DateTime</c> given where a job's schedule takes a <c>DateTimeOffset</c> (<c>Configure(scheduleAt:)</c>
/// of a task, <c>DeferOptions.Create(scheduleAt:)</c>, <c>DeferOptions.ScheduleAt</c>, <c>JobToDefer.ScheduledAt</c>).
/// The conversion reads a <c>DateTime</c> whose kind is not <c>Utc</c> in the local time zone of the machine that
/// runs it, so one line of code schedules different instants on different servers (issue #17).
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class ScheduleTimeAnalyzer : DiagnosticAnalyzer
{
    /// <inheritdoc />
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = [DiagnosticDescriptors.DateTimeSchedule];

    /// <inheritdoc />
    public override void Initialize(AnalysisContext context)
    {
        // A task's Configure is generated, but the calls to flag are in the user's code.
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(start =>
        {
            var types = ScheduleTypes.Create(start.Compilation);
            if (types is null)
            {
                return;
            }

            start.RegisterOperationAction(c => AnalyzeArgument(c, types), OperationKind.Argument);
            start.RegisterOperationAction(c => AnalyzeAssignment(c, types), OperationKind.SimpleAssignment);
        });
    }

    private static void AnalyzeArgument(OperationAnalysisContext context, ScheduleTypes types)
    {
        var argument = (IArgumentOperation)context.Operation;
        if (argument.Parameter is { } parameter && types.IsScheduleParameter(parameter))
        {
            Report(context, argument.Value, parameter.Name);
        }
    }

    private static void AnalyzeAssignment(OperationAnalysisContext context, ScheduleTypes types)
    {
        var assignment = (ISimpleAssignmentOperation)context.Operation;
        if (assignment.Target is IPropertyReferenceOperation { Property: var property } && types.IsScheduleProperty(property))
        {
            Report(context, assignment.Value, property.Name);
        }
    }

    private static void Report(OperationAnalysisContext context, IOperation value, string role)
    {
        for (var operation = value; operation is IConversionOperation conversion; operation = conversion.Operand)
        {
            if (IsDateTime(conversion.Operand.Type))
            {
                context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.DateTimeSchedule, value.Syntax.GetLocation(), role));
                return;
            }
        }
    }

    private static bool IsDateTime(ITypeSymbol? type)
    {
        if (type is INamedTypeSymbol { OriginalDefinition.SpecialType: SpecialType.System_Nullable_T } nullable)
        {
            type = nullable.TypeArguments[0];
        }

        return type?.SpecialType == SpecialType.System_DateTime;
    }

    /// <summary>The Procrastinate types whose members take a job's schedule, resolved once per compilation.</summary>
    private sealed class ScheduleTypes
    {
        private readonly INamedTypeSymbol _deferOptions;
        private readonly INamedTypeSymbol? _jobToDefer;
        private readonly INamedTypeSymbol? _taskDeferrer;

        private ScheduleTypes(INamedTypeSymbol deferOptions, INamedTypeSymbol? jobToDefer, INamedTypeSymbol? taskDeferrer)
        {
            _deferOptions = deferOptions;
            _jobToDefer = jobToDefer;
            _taskDeferrer = taskDeferrer;
        }

        public static ScheduleTypes? Create(Compilation compilation) =>
            compilation.GetTypeByMetadataName("Procrastinate.DeferOptions") is { } deferOptions
                ? new ScheduleTypes(
                    deferOptions,
                    compilation.GetTypeByMetadataName("Procrastinate.Storage.JobToDefer"),
                    compilation.GetTypeByMetadataName("Procrastinate.TaskDeferrer`1"))
                : null;

        /// <summary>
        /// <c>scheduleAt</c> of <c>DeferOptions.Create</c> or of a task's <c>Configure</c> (which returns a
        /// <c>TaskDeferrer&lt;TArgs&gt;</c>), or <c>ScheduledAt</c> of <c>JobToDefer</c>'s constructor.
        /// </summary>
        public bool IsScheduleParameter(IParameterSymbol parameter)
        {
            if (parameter.ContainingSymbol is not IMethodSymbol method)
            {
                return false;
            }

            return parameter.Name switch
            {
                "scheduleAt" => SymbolEqualityComparer.Default.Equals(method.ContainingType, _deferOptions)
                    || (method.Name == "Configure" && method.IsStatic && DerivesFromTaskDeferrer(method.ReturnType)),
                "ScheduledAt" => SymbolEqualityComparer.Default.Equals(method.ContainingType, _jobToDefer),
                _ => false,
            };
        }

        /// <summary><c>DeferOptions.ScheduleAt</c> or <c>JobToDefer.ScheduledAt</c>.</summary>
        public bool IsScheduleProperty(IPropertySymbol property) =>
            property.Name switch
            {
                "ScheduleAt" => SymbolEqualityComparer.Default.Equals(property.ContainingType, _deferOptions),
                "ScheduledAt" => SymbolEqualityComparer.Default.Equals(property.ContainingType, _jobToDefer),
                _ => false,
            };

        private bool DerivesFromTaskDeferrer(ITypeSymbol type)
        {
            for (var current = type.BaseType; current is not null; current = current.BaseType)
            {
                if (SymbolEqualityComparer.Default.Equals(current.OriginalDefinition, _taskDeferrer))
                {
                    return true;
                }
            }

            return false;
        }
    }
}
