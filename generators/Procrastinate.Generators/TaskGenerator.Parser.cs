using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Procrastinate.Generators.Diagnostics;
using Procrastinate.Generators.Helpers;
using Procrastinate.Generators.Models;

namespace Procrastinate.Generators;

/// <content>Turns symbols into models; nothing after this step holds a symbol, a syntax node or the compilation.</content>
public sealed partial class TaskGenerator
{
    /// <summary>Reads <c>[Task]</c> methods and user JSON contexts.</summary>
    internal static class Parser
    {
        private const int MaxQueueNameBytes = 40;

        /// <summary><c>Namespace.Outer.Type</c>, for default task names.</summary>
        private static readonly SymbolDisplayFormat DottedFormat = new(
            typeQualificationStyle: SymbolDisplayTypeQualificationStyle.NameAndContainingTypesAndNamespaces);

        /// <summary>Record members the <c>Args</c> record already has; a property with one of these names clashes.</summary>
        private static readonly HashSet<string> ReservedPropertyNames = new(StringComparer.Ordinal)
        {
            "Args", "EqualityContract", "Equals", "GetHashCode", "ToString", "Deconstruct", "PrintMembers",
            "GetType", "MemberwiseClone", "Finalize", "ReferenceEquals",
        };

        /// <summary>Parameter names the handle's own methods use.</summary>
        private static readonly HashSet<string> ReservedParameterNames = new(StringComparer.Ordinal)
        {
            "transaction", "cancellationToken",
        };

        /// <summary>Builds the model of one <c>[Task]</c> method, with the diagnostics found on it.</summary>
        public static TaskModel ParseTask(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
        {
            var method = (IMethodSymbol)context.TargetSymbol;
            var known = new KnownTypeSymbols(context.SemanticModel.Compilation);
            var syntax = (MethodDeclarationSyntax)context.TargetNode;
            var attribute = context.Attributes[0];
            var attributeSyntax = attribute.ApplicationSyntaxReference?.GetSyntax(cancellationToken) as AttributeSyntax;
            var diagnostics = new List<DiagnosticInfo>();
            var methodLocation = LocationInfo.From(syntax.Identifier.GetLocation());
            var displayName = method.ContainingType.ToDisplayString(DottedFormat) + "." + method.Name;

            var containingTypes = ParseContainingTypes(syntax, method, displayName, diagnostics);
            var isPartial = syntax.Modifiers.Any(SyntaxKind.PartialKeyword);
            if (!isPartial)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.MethodNotPartial, methodLocation, displayName));
            }

            if (method.IsGenericMethod)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.GenericTask, methodLocation, displayName));
            }

            var isPublic = true;
            var reachable = method.IsStatic;
            for (ISymbol? symbol = method; symbol is not null and not INamespaceSymbol; symbol = symbol.ContainingSymbol)
            {
                switch (symbol.DeclaredAccessibility)
                {
                    case Accessibility.Public:
                        break;
                    case Accessibility.Internal:
                    case Accessibility.ProtectedOrInternal:
                        isPublic = false;
                        break;
                    default:
                        isPublic = false;
                        reachable = false;
                        break;
                }
            }

            if (!reachable)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.MethodNotReachable, methodLocation, displayName));
            }

            var settings = ReadTaskSettings(attribute);
            var taskName = settings.Name ?? displayName;
            var parameters = ParseParameters(method, known, taskName, diagnostics, ref isPublic);
            CheckQueue(settings.Queue, taskName, attributeSyntax, diagnostics);
            var retry = ParseRetry(method, attribute, known, taskName, attributeSyntax, diagnostics);
            var middleware = ParseMiddleware(method, attribute, known, taskName, attributeSyntax, diagnostics);
            CheckAliases(taskName, settings.Aliases, displayName, attributeSyntax, diagnostics);
            var periodic = ParsePeriodic(method, known, taskName, parameters, diagnostics, cancellationToken);
            CheckNameClashes(context.SemanticModel.Compilation, method, parameters, taskName, methodLocation, diagnostics);

            var structurallyValid = containingTypes is not null && isPartial && !method.IsGenericMethod;
            var definitionPart = method.PartialDefinitionPart;
            return new TaskModel
            {
                Namespace = method.ContainingNamespace.IsGlobalNamespace ? null : method.ContainingNamespace.ToDisplayString(),
                ContainingTypes = (containingTypes ?? []).ToEquatableArray(),
                DeclaringTypeName = method.ContainingType.ToDisplayString(TypeAnalysis.PlainFormat),
                MethodName = method.Name,
                MethodModifiers = string.Join(
                    " ",
                    syntax.Modifiers
                        .Where(static m => !m.IsKind(SyntaxKind.AsyncKeyword) && !m.IsKind(SyntaxKind.PartialKeyword))
                        .Select(static m => m.Text)
                        .Concat(["partial"])),
                EmitDefinition = structurallyValid && definitionPart is null && !method.IsPartialDefinition,
                EmitHandle = diagnostics.Count == 0,
                ReturnTypeName = method.ReturnsVoid ? "void" : method.ReturnType.ToDisplayString(TypeAnalysis.AnnotatedFormat),
                ReturnKind = TypeAnalysis.GetReturnKind(method, known),
                Parameters = parameters.ToEquatableArray(),
                HandleAccessibility = isPublic ? "public" : "internal",
                TaskName = taskName,
                Aliases = settings.Aliases.ToEquatableArray(),
                Queue = settings.Queue,
                Priority = settings.Priority,
                Lock = settings.Lock,
                QueueingLock = settings.QueueingLock,
                Retry = retry,
                Middleware = middleware.ToEquatableArray(),
                Periodic = periodic.ToEquatableArray(),
                Location = methodLocation,
                Diagnostics = diagnostics.ToEquatableArray(),
            };
        }

        /// <summary>Reads a <c>JsonSerializerContext</c> subclass and the types its attributes cover.</summary>
        public static JsonContextModel? ParseJsonContext(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
        {
            if (context.TargetSymbol is not INamedTypeSymbol type)
            {
                return null;
            }

            var known = new KnownTypeSymbols(context.SemanticModel.Compilation);
            if (!KnownTypeSymbols.DerivesFrom(type.BaseType, known.JsonSerializerContext))
            {
                return null;
            }

            var covered = context.Attributes
                .Select(static a => a.ConstructorArguments.Length > 0 ? a.ConstructorArguments[0].Value as ITypeSymbol : null)
                .Where(static t => t is not null)
                .Select(static t => t!.ToDisplayString(TypeAnalysis.PlainFormat));
            return new JsonContextModel(type.ToDisplayString(TypeAnalysis.PlainFormat), covered.ToEquatableArray());
        }

        private static List<ContainingTypeModel>? ParseContainingTypes(
            MethodDeclarationSyntax syntax,
            IMethodSymbol method,
            string displayName,
            List<DiagnosticInfo> diagnostics)
        {
            var types = new List<ContainingTypeModel>();
            var valid = true;
            foreach (var declaration in syntax.Ancestors().OfType<TypeDeclarationSyntax>())
            {
                if (!declaration.Modifiers.Any(SyntaxKind.PartialKeyword))
                {
                    diagnostics.Add(DiagnosticInfo.Create(
                        DiagnosticDescriptors.TypeNotPartial,
                        LocationInfo.From(declaration.Identifier.GetLocation()),
                        declaration.Identifier.Text,
                        displayName));
                    valid = false;
                }

                if (declaration.TypeParameterList is not null)
                {
                    diagnostics.Add(DiagnosticInfo.Create(
                        DiagnosticDescriptors.GenericTask,
                        LocationInfo.From(syntax.Identifier.GetLocation()),
                        displayName));
                    valid = false;
                }

                var keyword = declaration switch
                {
                    RecordDeclarationSyntax record when record.ClassOrStructKeyword.IsKind(SyntaxKind.StructKeyword) => "record struct",
                    RecordDeclarationSyntax => "record",
                    StructDeclarationSyntax => "struct",
                    InterfaceDeclarationSyntax => "interface",
                    _ => "class",
                };
                types.Insert(0, new ContainingTypeModel(keyword, declaration.Identifier.ValueText));
            }

            _ = method;
            return valid ? types : null;
        }

        private static List<ParameterModel> ParseParameters(
            IMethodSymbol method,
            KnownTypeSymbols known,
            string taskName,
            List<DiagnosticInfo> diagnostics,
            ref bool isPublic)
        {
            var parameters = new List<ParameterModel>();
            var seenContext = false;
            var seenToken = false;
            var definition = method.PartialDefinitionPart ?? method;
            for (var i = 0; i < method.Parameters.Length; i++)
            {
                var parameter = method.Parameters[i];
                var location = LocationInfo.From(parameter.Locations.FirstOrDefault());
                var modifiers = parameter.RefKind switch
                {
                    RefKind.Ref => "ref ",
                    RefKind.Out => "out ",
                    RefKind.In => "in ",
                    RefKind.RefReadOnlyParameter => "ref readonly ",
                    _ => "",
                } + (parameter.IsParams ? "params " : "");
                if (modifiers.Length > 0)
                {
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.ByRefParameter, location, parameter.Name, taskName));
                }

                var typeName = parameter.Type.ToDisplayString(TypeAnalysis.AnnotatedFormat);
                var name = EscapeIdentifier(parameter.Name);
                var definitionParameter = definition.Parameters.Length > i ? definition.Parameters[i] : parameter;
                var defaultValue = definitionParameter.HasExplicitDefaultValue
                    ? FormatDefault(definitionParameter.ExplicitDefaultValue, parameter.Type)
                    : null;
                if (KnownTypeSymbols.Is(parameter.Type, known.JobContext))
                {
                    if (seenContext)
                    {
                        diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.DuplicateSpecialParameter, location, taskName, "JobContext"));
                    }

                    seenContext = true;
                    parameters.Add(new ParameterModel(name, typeName, ParameterKind.JobContext, "", "", defaultValue, null, location, modifiers));
                    continue;
                }

                if (KnownTypeSymbols.Is(parameter.Type, known.CancellationToken))
                {
                    if (seenToken)
                    {
                        diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.DuplicateSpecialParameter, location, taskName, "CancellationToken"));
                    }

                    seenToken = true;
                    parameters.Add(new ParameterModel(name, typeName, ParameterKind.CancellationToken, "", "", defaultValue, null, location, modifiers));
                    continue;
                }

                var type = TypeAnalysis.BuildType(parameter.Type, known, out var unsupported);
                if (type is null)
                {
                    diagnostics.Add(DiagnosticInfo.Create(
                        DiagnosticDescriptors.UnsupportedParameterType,
                        location,
                        parameter.Name,
                        taskName,
                        parameter.Type.ToDisplayString(),
                        unsupported ?? "it has no JSON form"));
                }

                isPublic &= TypeAnalysis.IsPublicType(parameter.Type);
                var jsonKey = parameter.GetAttributes()
                    .Where(a => KnownTypeSymbols.Is(a.AttributeClass, known.TaskArgumentAttribute))
                    .Select(static a => a.ConstructorArguments.FirstOrDefault().Value as string)
                    .FirstOrDefault() ?? parameter.Name;
                parameters.Add(new ParameterModel(
                    name,
                    typeName,
                    ParameterKind.Argument,
                    jsonKey,
                    ToPascalCase(parameter.Name),
                    defaultValue,
                    type,
                    location,
                    modifiers));
            }

            return parameters;
        }

        private sealed class TaskSettings
        {
            public string? Name { get; set; }

            public List<string> Aliases { get; } = [];

            public string? Queue { get; set; }

            public int Priority { get; set; }

            public string? Lock { get; set; }

            public string? QueueingLock { get; set; }
        }

        private static TaskSettings ReadTaskSettings(AttributeData attribute)
        {
            var settings = new TaskSettings();
            foreach (var argument in attribute.NamedArguments)
            {
                var value = argument.Value;
                switch (argument.Key)
                {
                    case "Name":
                        settings.Name = value.Value as string;
                        break;
                    case "Aliases" when value.Kind == TypedConstantKind.Array && !value.IsNull:
                        settings.Aliases.AddRange(value.Values.Select(static v => v.Value as string).Where(static v => v is not null)!);
                        break;
                    case "Queue":
                        settings.Queue = value.Value as string;
                        break;
                    case "Priority":
                        settings.Priority = value.Value is int priority ? priority : 0;
                        break;
                    case "Lock":
                        settings.Lock = value.Value as string;
                        break;
                    case "QueueingLock":
                        settings.QueueingLock = value.Value as string;
                        break;
                }
            }

            return settings;
        }

        private static void CheckQueue(string? queue, string taskName, AttributeSyntax? attributeSyntax, List<DiagnosticInfo> diagnostics)
        {
            if (queue is null)
            {
                return;
            }

            var bytes = Encoding.UTF8.GetByteCount(queue);
            var problem = bytes == 0
                ? "it is empty"
                : bytes > MaxQueueNameBytes
                    ? string.Format(CultureInfo.InvariantCulture, "it is {0} UTF-8 bytes long; the limit is {1}", bytes, MaxQueueNameBytes)
                    : null;
            if (problem is not null)
            {
                diagnostics.Add(DiagnosticInfo.Create(
                    DiagnosticDescriptors.InvalidQueueName,
                    ArgumentLocation(attributeSyntax, "Queue"),
                    queue,
                    taskName,
                    problem));
            }
        }

        private static RetryModel? ParseRetry(
            IMethodSymbol method,
            AttributeData attribute,
            KnownTypeSymbols known,
            string taskName,
            AttributeSyntax? attributeSyntax,
            List<DiagnosticInfo> diagnostics)
        {
            int? retry = null;
            double waitSeconds = 0, linearWaitSeconds = 0, exponentialWaitSeconds = 0;
            var retryOn = new List<string>();
            INamedTypeSymbol? strategy = null;
            string? factory = null;
            var otherSettingsUsed = false;
            void Report(string property, string problem) => diagnostics.Add(DiagnosticInfo.Create(
                DiagnosticDescriptors.InvalidRetry,
                ArgumentLocation(attributeSyntax, property),
                taskName,
                problem));

            foreach (var argument in attribute.NamedArguments)
            {
                var value = argument.Value;
                switch (argument.Key)
                {
                    case "Retry":
                        retry = value.Value is int count ? count : 0;
                        if (retry < -1)
                        {
                            Report("Retry", "Retry cannot be negative (use TaskAttribute.Forever, -1, to retry forever)");
                        }

                        break;
                    case "RetryWaitSeconds":
                    case "RetryLinearWaitSeconds":
                    case "RetryExponentialWaitSeconds":
                        var seconds = value.Value is double d ? d : 0;
                        otherSettingsUsed |= seconds != 0;
                        if (seconds < 0 || double.IsNaN(seconds) || double.IsInfinity(seconds))
                        {
                            Report(argument.Key, argument.Key + " must be a finite number of seconds, zero or more");
                        }

                        if (argument.Key == "RetryWaitSeconds")
                        {
                            waitSeconds = seconds;
                        }
                        else if (argument.Key == "RetryLinearWaitSeconds")
                        {
                            linearWaitSeconds = seconds;
                        }
                        else
                        {
                            exponentialWaitSeconds = seconds;
                        }

                        break;
                    case "RetryOn" when value.Kind == TypedConstantKind.Array && !value.IsNull:
                        otherSettingsUsed = true;
                        foreach (var item in value.Values)
                        {
                            if (item.Value is not INamedTypeSymbol exceptionType || !KnownTypeSymbols.DerivesFrom(exceptionType, known.Exception))
                            {
                                Report("RetryOn", "RetryOn lists '" + item.Value + "', which is not an exception type");
                                continue;
                            }

                            retryOn.Add(exceptionType.ToDisplayString(TypeAnalysis.PlainFormat));
                        }

                        break;
                    case "RetryStrategy" when value.Value is INamedTypeSymbol strategyType:
                        strategy = strategyType;
                        break;
                    case "RetryStrategyFactory" when value.Value is string name:
                        factory = name;
                        break;
                }
            }

            var standardSettingsUsed = otherSettingsUsed || retry is not null and not 0;
            if (strategy is not null || factory is not null)
            {
                var property = strategy is not null ? "RetryStrategy" : "RetryStrategyFactory";
                if (standardSettingsUsed)
                {
                    Report(property, "set either " + property + " or Retry/RetryWaitSeconds/RetryLinearWaitSeconds/RetryExponentialWaitSeconds/RetryOn, not both");
                }

                if (strategy is not null && factory is not null)
                {
                    Report("RetryStrategyFactory", "set either RetryStrategy or RetryStrategyFactory, not both");
                }

                var expression = strategy is not null
                    ? CheckStrategyType(strategy, known, Report)
                    : CheckStrategyFactory(method, factory!, known, Report);
                return new RetryModel(expression, null, 0, 0, 0, EquatableArray<string>.Empty);
            }

            if (!standardSettingsUsed)
            {
                return null;
            }

            if (retry == 0)
            {
                Report("Retry", "Retry = 0 never retries, so the other retry settings do nothing; remove Retry to retry without limit, or give a number of retries");
            }

            // As Procrastinate's RetryStrategy without max_attempts: waits or RetryOn alone retry without limit.
            var maxAttempts = retry is null or < 0 ? null : retry;
            return new RetryModel(null, maxAttempts, waitSeconds, linearWaitSeconds, exponentialWaitSeconds, retryOn.ToEquatableArray());
        }

        /// <summary>Checks a <c>RetryStrategy</c> type and returns the expression that creates it.</summary>
        private static string CheckStrategyType(INamedTypeSymbol strategy, KnownTypeSymbols known, Action<string, string> report)
        {
            if (!KnownTypeSymbols.Implements(strategy, known.RetryStrategyInterface))
            {
                report("RetryStrategy", "'" + strategy.ToDisplayString() + "' does not implement Procrastinate.IRetryStrategy");
            }

            var hasConstructor = !strategy.IsAbstract && strategy.InstanceConstructors.Any(static c =>
                c.Parameters.Length == 0 && c.DeclaredAccessibility == Accessibility.Public);
            if (!hasConstructor)
            {
                report("RetryStrategy", "'" + strategy.ToDisplayString() + "' needs a public parameterless constructor (or name a factory with RetryStrategyFactory)");
            }

            return "new " + strategy.ToDisplayString(TypeAnalysis.PlainFormat) + "()";
        }

        /// <summary>
        /// Checks a <c>RetryStrategyFactory</c>: a static parameterless method, or a static property or field, of the
        /// task's type (or a base type), not private, whose type implements <c>IRetryStrategy</c>. Returns the
        /// expression that calls it.
        /// </summary>
        private static string CheckStrategyFactory(IMethodSymbol method, string name, KnownTypeSymbols known, Action<string, string> report)
        {
            var member = FindStaticMember(method.ContainingType, name, out var type, out var isMethod);
            var typeName = method.ContainingType.ToDisplayString();
            if (member is null)
            {
                report("RetryStrategyFactory", "'" + typeName + "' has no static parameterless method, property or field named '" + name + "'");
                return "null";
            }

            if (!IsVisibleToGeneratedCode(member))
            {
                report("RetryStrategyFactory", "'" + typeName + "." + name + "' is private or protected; make it internal or public so the generated handle can call it");
            }

            if (!KnownTypeSymbols.Is(type, known.RetryStrategyInterface) && !KnownTypeSymbols.Implements(type!, known.RetryStrategyInterface))
            {
                report("RetryStrategyFactory", "'" + typeName + "." + name + "' returns '" + type!.ToDisplayString() + "', which does not implement Procrastinate.IRetryStrategy");
            }

            return member.ContainingType.ToDisplayString(TypeAnalysis.PlainFormat) + "." + EscapeIdentifier(name) + (isMethod ? "()" : "");
        }

        /// <summary>
        /// Reads <c>Middleware</c>: each name must be a static member of the task's type (or a base type), not private,
        /// either a method with <c>JobMiddleware</c>'s signature or a property or field of type <c>JobMiddleware</c>.
        /// Returns the expressions the registry entry lists (a method group converts to the delegate: no reflection).
        /// </summary>
        private static List<string> ParseMiddleware(
            IMethodSymbol method,
            AttributeData attribute,
            KnownTypeSymbols known,
            string taskName,
            AttributeSyntax? attributeSyntax,
            List<DiagnosticInfo> diagnostics)
        {
            var expressions = new List<string>();
            var value = attribute.NamedArguments.FirstOrDefault(static a => a.Key == "Middleware").Value;
            if (value.Kind != TypedConstantKind.Array || value.IsNull)
            {
                return expressions;
            }

            var typeName = method.ContainingType.ToDisplayString();
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var item in value.Values)
            {
                var name = item.Value as string;
                void Report(string problem) => diagnostics.Add(DiagnosticInfo.Create(
                    DiagnosticDescriptors.InvalidMiddleware,
                    ArgumentLocation(attributeSyntax, "Middleware"),
                    name ?? "null",
                    taskName,
                    problem));

                if (string.IsNullOrEmpty(name))
                {
                    Report("give the name of a static member of '" + typeName + "' (use nameof)");
                    continue;
                }

                if (!seen.Add(name!))
                {
                    Report("it is listed more than once");
                    continue;
                }

                var member = FindMiddlewareMember(method.ContainingType, name!, known.JobMiddleware, out var wrongShape);
                if (member is null)
                {
                    Report(wrongShape is null
                        ? "'" + typeName + "' has no static method, property or field named '" + name + "'"
                        : "'" + typeName + "." + name + "' " + wrongShape
                            + "; it must be a method 'static ValueTask<object?> " + name + "(JobContext context, Func<ValueTask<object?>> next)' or a property or field of type Procrastinate.JobMiddleware");
                    continue;
                }

                if (!IsVisibleToGeneratedCode(member))
                {
                    Report("'" + typeName + "." + name + "' is private or protected; make it internal or public so the generated registry entry can use it");
                    continue;
                }

                expressions.Add(member.ContainingType.ToDisplayString(TypeAnalysis.PlainFormat) + "." + EscapeIdentifier(name!));
            }

            return expressions;
        }

        /// <summary>
        /// Finds a static member named <paramref name="name"/> usable as a <c>JobMiddleware</c> on
        /// <paramref name="type"/> or its base types; when one exists with another shape, says what it is instead.
        /// </summary>
        private static ISymbol? FindMiddlewareMember(INamedTypeSymbol type, string name, INamedTypeSymbol? middleware, out string? wrongShape)
        {
            wrongShape = null;
            var invoke = middleware?.DelegateInvokeMethod;
            for (var current = type; current is not null; current = current.BaseType)
            {
                foreach (var member in current.GetMembers(name))
                {
                    switch (member)
                    {
                        case IMethodSymbol { MethodKind: MethodKind.Ordinary } found:
                            if (found.IsStatic && !found.IsGenericMethod && invoke is not null && HasSignatureOf(found, invoke))
                            {
                                return found;
                            }

                            wrongShape ??= found.IsStatic ? "does not have the signature of Procrastinate.JobMiddleware" : "is not static";
                            break;
                        case IPropertySymbol { IsIndexer: false } found:
                            if (found.IsStatic && found.GetMethod is not null && KnownTypeSymbols.Is(found.Type, middleware))
                            {
                                return found;
                            }

                            wrongShape ??= found.IsStatic ? "has type '" + found.Type.ToDisplayString() + "'" : "is not static";
                            break;
                        case IFieldSymbol found:
                            if (found.IsStatic && KnownTypeSymbols.Is(found.Type, middleware))
                            {
                                return found;
                            }

                            wrongShape ??= found.IsStatic ? "has type '" + found.Type.ToDisplayString() + "'" : "is not static";
                            break;
                    }
                }
            }

            return null;
        }

        /// <summary>Whether <paramref name="method"/> converts to the delegate whose invoke method is <paramref name="invoke"/>.</summary>
        private static bool HasSignatureOf(IMethodSymbol method, IMethodSymbol invoke) =>
            method.Parameters.Length == invoke.Parameters.Length
            && method.Parameters.Zip(invoke.Parameters, static (a, b) => a.RefKind == b.RefKind && SymbolEqualityComparer.Default.Equals(a.Type, b.Type)).All(static same => same)
            && SymbolEqualityComparer.Default.Equals(method.ReturnType, invoke.ReturnType);

        /// <summary>
        /// Finds a static parameterless, non-generic method or a static property or field named <paramref name="name"/>
        /// on <paramref name="type"/> or its base types; gives its (return) type.
        /// </summary>
        private static ISymbol? FindStaticMember(INamedTypeSymbol type, string name, out ITypeSymbol? memberType, out bool isMethod)
        {
            for (var current = type; current is not null; current = current.BaseType)
            {
                foreach (var member in current.GetMembers(name))
                {
                    switch (member)
                    {
                        case IMethodSymbol { IsStatic: true, Parameters.Length: 0, IsGenericMethod: false, ReturnsVoid: false, MethodKind: MethodKind.Ordinary } found:
                            memberType = found.ReturnType;
                            isMethod = true;
                            return found;
                        case IPropertySymbol { IsStatic: true, IsIndexer: false, GetMethod: not null } found:
                            memberType = found.Type;
                            isMethod = false;
                            return found;
                        case IFieldSymbol { IsStatic: true } found:
                            memberType = found.Type;
                            isMethod = false;
                            return found;
                    }
                }
            }

            memberType = null;
            isMethod = false;
            return null;
        }

        /// <summary>Whether code generated in the same assembly, outside the member's type, can reach the member.</summary>
        private static bool IsVisibleToGeneratedCode(ISymbol member)
        {
            for (ISymbol? symbol = member; symbol is not null and not INamespaceSymbol; symbol = symbol.ContainingSymbol)
            {
                if (symbol.DeclaredAccessibility is not (Accessibility.Public or Accessibility.Internal or Accessibility.ProtectedOrInternal))
                {
                    return false;
                }
            }

            return true;
        }

        private static void CheckAliases(
            string taskName,
            List<string> aliases,
            string displayName,
            AttributeSyntax? attributeSyntax,
            List<DiagnosticInfo> diagnostics)
        {
            var names = new HashSet<string>(StringComparer.Ordinal) { taskName };
            foreach (var alias in aliases)
            {
                if (!names.Add(alias))
                {
                    diagnostics.Add(DiagnosticInfo.Create(
                        DiagnosticDescriptors.DuplicateTaskName,
                        ArgumentLocation(attributeSyntax, "Aliases"),
                        alias,
                        "'" + displayName + "'",
                        "its own name or another of its aliases"));
                }
            }
        }

        private static List<PeriodicModel> ParsePeriodic(
            IMethodSymbol method,
            KnownTypeSymbols known,
            string taskName,
            List<ParameterModel> parameters,
            List<DiagnosticInfo> diagnostics,
            CancellationToken cancellationToken)
        {
            var schedules = new List<PeriodicModel>();
            var periodicIds = new HashSet<string>(StringComparer.Ordinal);
            var isFirst = true;
            foreach (var attribute in method.GetAttributes())
            {
                if (!KnownTypeSymbols.Is(attribute.AttributeClass, known.PeriodicAttribute))
                {
                    continue;
                }

                var syntax = attribute.ApplicationSyntaxReference?.GetSyntax(cancellationToken) as AttributeSyntax;
                if (isFirst)
                {
                    isFirst = false;
                    CheckTimestampParameter(parameters, taskName, LocationInfo.From(syntax), diagnostics);
                }

                var cron = attribute.ConstructorArguments.Length > 0 ? attribute.ConstructorArguments[0].Value as string : null;
                var periodicId = "";
                string? args = null;
                string? timeZone = null;
                foreach (var argument in attribute.NamedArguments)
                {
                    if (argument.Key == "PeriodicId")
                    {
                        periodicId = argument.Value.Value as string ?? "";
                    }
                    else if (argument.Key == "Args")
                    {
                        args = argument.Value.Value as string;
                    }
                    else if (argument.Key == "TimeZone")
                    {
                        timeZone = argument.Value.Value as string;
                    }
                }

                if (!periodicIds.Add(periodicId))
                {
                    diagnostics.Add(DiagnosticInfo.Create(
                        DiagnosticDescriptors.InvalidPeriodicTask,
                        LocationInfo.From(syntax),
                        taskName,
                        "two [Periodic] attributes have the PeriodicId '" + periodicId + "'; give each schedule its own PeriodicId"));
                }

                foreach (var problem in PeriodicArgsChecker.Check(args, parameters))
                {
                    diagnostics.Add(DiagnosticInfo.Create(
                        DiagnosticDescriptors.InvalidPeriodicArgs,
                        ArgumentLocation(syntax, "Args"),
                        taskName,
                        problem));
                }

                if (timeZone is not null && !TimeZoneIds.IsKnown(timeZone))
                {
                    var sameIgnoringCase = TimeZoneIds.SameIgnoringCase(timeZone);
                    diagnostics.Add(DiagnosticInfo.Create(
                        DiagnosticDescriptors.UnknownTimeZone,
                        ArgumentLocation(syntax, "TimeZone"),
                        timeZone,
                        taskName,
                        sameIgnoringCase is null
                            ? "use an IANA id such as 'Europe/Paris' (or a Windows id such as 'Romance Standard Time')"
                            : "ids are case-sensitive: did you mean '" + sameIgnoringCase + "'?"));
                }

                var error = CronValidator.Validate(cron);
                if (error is not null)
                {
                    var location = syntax?.ArgumentList?.Arguments.FirstOrDefault() is { } first
                        ? LocationInfo.From(first)
                        : LocationInfo.From(syntax);
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidCron, location, cron ?? "", taskName, error));
                    continue;
                }

                schedules.Add(new PeriodicModel(cron!, periodicId, args, timeZone));
            }

            return schedules;
        }

        /// <summary>
        /// Periodic jobs always carry the tick's Unix time under <c>timestamp</c> (the database checks it), so a task
        /// without that argument would fail every periodic job with an unknown key.
        /// </summary>
        private static void CheckTimestampParameter(
            List<ParameterModel> parameters,
            string taskName,
            LocationInfo? location,
            List<DiagnosticInfo> diagnostics)
        {
            var timestamp = parameters.FirstOrDefault(static p => p.Kind == ParameterKind.Argument && p.JsonKey == "timestamp");
            // Declaring 'timestamp' is optional (the generated reader accepts the key either way), as issue 7 asks.
            var problem = timestamp is not null && timestamp.Type?.Kind != ValueKind.Int64
                ? "its 'timestamp' argument is '" + timestamp.TypeName.Replace("global::", "") + "'; periodic jobs pass a Unix time, declare it 'long'"
                : null;
            if (problem is not null)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidPeriodicTask, location, taskName, problem));
            }
        }

        private static void CheckNameClashes(
            Compilation compilation,
            IMethodSymbol method,
            List<ParameterModel> parameters,
            string taskName,
            LocationInfo? methodLocation,
            List<DiagnosticInfo> diagnostics)
        {
            void Report(string what, string name, string clashesWith) => diagnostics.Add(DiagnosticInfo.Create(
                DiagnosticDescriptors.GeneratedNameClash,
                methodLocation,
                what,
                name,
                taskName,
                clashesWith));

            var ns = method.ContainingNamespace.IsGlobalNamespace ? "" : method.ContainingNamespace.ToDisplayString() + ".";
            var existing = compilation.GetTypeByMetadataName(ns + method.Name);
            if (existing is not null || method.ContainingNamespace.GetNamespaceMembers().Any(n => n.Name == method.Name))
            {
                Report("handle type", ns + method.Name, "a type or namespace of the same name; rename the method or the other symbol");
            }

            var properties = new HashSet<string>(StringComparer.Ordinal);
            var keys = new HashSet<string>(StringComparer.Ordinal);
            foreach (var parameter in parameters.Where(static p => p.Kind == ParameterKind.Argument))
            {
                if (ReservedPropertyNames.Contains(parameter.PropertyName) || !properties.Add(parameter.PropertyName))
                {
                    Report("Args property", parameter.PropertyName, "another member of the Args record; rename the parameter");
                }

                if (!keys.Add(parameter.JsonKey))
                {
                    Report("JSON key", parameter.JsonKey, "another argument's key; change [TaskArgument] or the parameter name");
                }

                if (parameter.JsonKey.Length == 0)
                {
                    Report("JSON key", parameter.JsonKey, "nothing: a key cannot be empty");
                }

                if (ReservedParameterNames.Contains(parameter.Name))
                {
                    Report("handle parameter", parameter.Name, "the handle's own parameter of that name; rename the task parameter");
                }
            }
        }

        private static LocationInfo? ArgumentLocation(AttributeSyntax? attribute, string name)
        {
            var argument = attribute?.ArgumentList?.Arguments.FirstOrDefault(a => a.NameEquals?.Name.Identifier.ValueText == name);
            return LocationInfo.From((SyntaxNode?)argument ?? attribute);
        }

        private static string EscapeIdentifier(string name) =>
            SyntaxFacts.GetKeywordKind(name) != SyntaxKind.None ? "@" + name : name;

        private static string ToPascalCase(string name) =>
            name.Length == 0 ? name : char.ToUpperInvariant(name[0]) + name.Substring(1);

        /// <summary>Formats a parameter's default value as a C# constant expression of the parameter's type.</summary>
        private static string FormatDefault(object? value, ITypeSymbol type)
        {
            if (value is null)
            {
                return type.IsReferenceType || type.OriginalDefinition.SpecialType == SpecialType.System_Nullable_T ? "null" : "default";
            }

            var typeName = type.ToDisplayString(TypeAnalysis.PlainFormat);
            var nullable = type.OriginalDefinition.SpecialType == SpecialType.System_Nullable_T;
            var target = nullable ? ((INamedTypeSymbol)type).TypeArguments[0] : type;
            var targetName = target.ToDisplayString(TypeAnalysis.PlainFormat);
            return value switch
            {
                string text => SymbolDisplay.FormatLiteral(text, quote: true),
                char character => SymbolDisplay.FormatLiteral(character, quote: true),
                bool flag => flag ? "true" : "false",
                double d when double.IsNaN(d) => "double.NaN",
                double d when double.IsPositiveInfinity(d) => "double.PositiveInfinity",
                double d when double.IsNegativeInfinity(d) => "double.NegativeInfinity",
                float f when float.IsNaN(f) => "float.NaN",
                float f when float.IsPositiveInfinity(f) => "float.PositiveInfinity",
                float f when float.IsNegativeInfinity(f) => "float.NegativeInfinity",
                double d => "(" + targetName + ")(" + d.ToString("R", CultureInfo.InvariantCulture) + "D)",
                float f => "(" + targetName + ")(" + f.ToString("R", CultureInfo.InvariantCulture) + "F)",
                decimal m => "(" + targetName + ")(" + m.ToString(CultureInfo.InvariantCulture) + "M)",
                ulong u => "(" + targetName + ")(" + u.ToString(CultureInfo.InvariantCulture) + "UL)",
                IFormattable number => "(" + targetName + ")(" + number.ToString(null, CultureInfo.InvariantCulture) + ")",
                _ => "default(" + typeName + ")",
            };
        }
    }
}
