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

        /// <summary>Fully qualified names with nullable annotations, as declarations need them.</summary>
        private static readonly SymbolDisplayFormat AnnotatedFormat = SymbolDisplayFormat.FullyQualifiedFormat
            .AddMiscellaneousOptions(SymbolDisplayMiscellaneousOptions.IncludeNullableReferenceTypeModifier);

        /// <summary>Fully qualified names without nullable reference annotations, to match JSON context coverage.</summary>
        private static readonly SymbolDisplayFormat PlainFormat = SymbolDisplayFormat.FullyQualifiedFormat;

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
            var parameters = ParseParameters(method, taskName, diagnostics, ref isPublic);
            CheckQueue(settings.Queue, taskName, attributeSyntax, diagnostics);
            var retry = ParseRetry(attribute, taskName, attributeSyntax, diagnostics);
            var periodic = ParsePeriodic(method, taskName, diagnostics, cancellationToken);
            CheckNameClashes(context.SemanticModel.Compilation, method, parameters, taskName, methodLocation, diagnostics);

            var structurallyValid = containingTypes is not null && isPartial && !method.IsGenericMethod;
            var definitionPart = method.PartialDefinitionPart;
            return new TaskModel
            {
                Namespace = method.ContainingNamespace.IsGlobalNamespace ? null : method.ContainingNamespace.ToDisplayString(),
                ContainingTypes = (containingTypes ?? []).ToEquatableArray(),
                DeclaringTypeName = method.ContainingType.ToDisplayString(PlainFormat),
                MethodName = method.Name,
                MethodModifiers = string.Join(
                    " ",
                    syntax.Modifiers
                        .Where(static m => !m.IsKind(SyntaxKind.AsyncKeyword) && !m.IsKind(SyntaxKind.PartialKeyword))
                        .Select(static m => m.Text)
                        .Concat(["partial"])),
                EmitDefinition = structurallyValid && definitionPart is null && !method.IsPartialDefinition,
                EmitHandle = diagnostics.Count == 0,
                ReturnTypeName = method.ReturnsVoid ? "void" : method.ReturnType.ToDisplayString(AnnotatedFormat),
                ReturnKind = GetReturnKind(method),
                Parameters = parameters.ToEquatableArray(),
                HandleAccessibility = isPublic ? "public" : "internal",
                TaskName = taskName,
                Aliases = settings.Aliases.ToEquatableArray(),
                Queue = settings.Queue,
                Priority = settings.Priority,
                Lock = settings.Lock,
                QueueingLock = settings.QueueingLock,
                Retry = retry,
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

            var isContext = false;
            for (var current = type.BaseType; current is not null; current = current.BaseType)
            {
                if (current.ToDisplayString() == "System.Text.Json.Serialization.JsonSerializerContext")
                {
                    isContext = true;
                    break;
                }
            }

            if (!isContext)
            {
                return null;
            }

            var covered = context.Attributes
                .Select(static a => a.ConstructorArguments.Length > 0 ? a.ConstructorArguments[0].Value as ITypeSymbol : null)
                .Where(static t => t is not null)
                .Select(static t => t!.ToDisplayString(PlainFormat));
            return new JsonContextModel(type.ToDisplayString(PlainFormat), covered.ToEquatableArray());
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

                var typeName = parameter.Type.ToDisplayString(AnnotatedFormat);
                var name = EscapeIdentifier(parameter.Name);
                var definitionParameter = definition.Parameters.Length > i ? definition.Parameters[i] : parameter;
                var defaultValue = definitionParameter.HasExplicitDefaultValue
                    ? FormatDefault(definitionParameter.ExplicitDefaultValue, parameter.Type)
                    : null;
                var plainType = parameter.Type.ToDisplayString();
                if (plainType == "Procrastinate.JobContext")
                {
                    if (seenContext)
                    {
                        diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.DuplicateSpecialParameter, location, taskName, "JobContext"));
                    }

                    seenContext = true;
                    parameters.Add(new ParameterModel(name, typeName, ParameterKind.JobContext, "", "", defaultValue, null, location, modifiers));
                    continue;
                }

                if (plainType == "System.Threading.CancellationToken")
                {
                    if (seenToken)
                    {
                        diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.DuplicateSpecialParameter, location, taskName, "CancellationToken"));
                    }

                    seenToken = true;
                    parameters.Add(new ParameterModel(name, typeName, ParameterKind.CancellationToken, "", "", defaultValue, null, location, modifiers));
                    continue;
                }

                var type = BuildType(parameter.Type, out var unsupported);
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

                isPublic &= IsPublicType(parameter.Type);
                var jsonKey = parameter.GetAttributes()
                    .Where(static a => a.AttributeClass?.ToDisplayString() == "Procrastinate.TaskArgumentAttribute")
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

        /// <summary>Maps a type to its JSON form, or returns <see langword="null"/> with the reason it has none.</summary>
        private static TypeModel? BuildType(ITypeSymbol type, out string? unsupported)
        {
            unsupported = null;
            var annotated = type.NullableAnnotation != NullableAnnotation.NotAnnotated;
            var name = type.ToDisplayString(AnnotatedFormat);
            var simple = type.SpecialType switch
            {
                SpecialType.System_Boolean => ValueKind.Boolean,
                SpecialType.System_Byte => ValueKind.Byte,
                SpecialType.System_SByte => ValueKind.SByte,
                SpecialType.System_Int16 => ValueKind.Int16,
                SpecialType.System_UInt16 => ValueKind.UInt16,
                SpecialType.System_Int32 => ValueKind.Int32,
                SpecialType.System_UInt32 => ValueKind.UInt32,
                SpecialType.System_Int64 => ValueKind.Int64,
                SpecialType.System_UInt64 => ValueKind.UInt64,
                SpecialType.System_Single => ValueKind.Single,
                SpecialType.System_Double => ValueKind.Double,
                SpecialType.System_Decimal => ValueKind.Decimal,
                SpecialType.System_Char => ValueKind.Char,
                SpecialType.System_DateTime => ValueKind.DateTime,
                _ => (ValueKind?)null,
            };
            if (type.TypeKind == TypeKind.Enum)
            {
                return new TypeModel(ValueKind.Enum, name, BuildType(((INamedTypeSymbol)type).EnumUnderlyingType!, out _), false, false, null);
            }

            if (simple is { } kind)
            {
                return new TypeModel(kind, name, null, false, false, null);
            }

            if (type.SpecialType == SpecialType.System_String)
            {
                return new TypeModel(ValueKind.String, name, null, annotated, true, null);
            }

            switch (type)
            {
                case IArrayTypeSymbol array:
                    if (array.Rank != 1)
                    {
                        unsupported = "only one-dimensional arrays are supported";
                        return null;
                    }

                    return Container(ValueKind.Array, array.ElementType, out unsupported);
                case IPointerTypeSymbol or IFunctionPointerTypeSymbol:
                    unsupported = "pointers have no JSON form";
                    return null;
                case IDynamicTypeSymbol:
                case { SpecialType: SpecialType.System_Object }:
                    unsupported = "its JSON form is not known at compile time; use a concrete type";
                    return null;
                case ITypeParameterSymbol:
                    unsupported = "type parameters are not supported";
                    return null;
                case IErrorTypeSymbol:
                    unsupported = "the type cannot be resolved";
                    return null;
                case INamedTypeSymbol { TypeKind: TypeKind.Delegate }:
                    unsupported = "delegates have no JSON form";
                    return null;
                case INamedTypeSymbol { IsRefLikeType: true }:
                    unsupported = "ref struct types cannot be stored";
                    return null;
            }

            var named = (INamedTypeSymbol)type;
            var definition = named.OriginalDefinition.ToDisplayString();
            switch (definition)
            {
                case "System.Guid":
                    return new TypeModel(ValueKind.Guid, name, null, false, false, null);
                case "System.DateTimeOffset":
                    return new TypeModel(ValueKind.DateTimeOffset, name, null, false, false, null);
                case "System.DateOnly":
                    return new TypeModel(ValueKind.DateOnly, name, null, false, false, null);
                case "System.TimeOnly":
                    return new TypeModel(ValueKind.TimeOnly, name, null, false, false, null);
                case "System.TimeSpan":
                    return new TypeModel(ValueKind.TimeSpan, name, null, false, false, null);
                case "T?":
                case "System.Nullable<T>":
                    var inner = BuildType(named.TypeArguments[0], out unsupported);
                    return inner is null ? null : new TypeModel(ValueKind.Nullable, name, inner, true, false, null);
                case "System.Collections.Generic.List<T>":
                    return Container(ValueKind.List, named.TypeArguments[0], out unsupported);
                case "System.Collections.Generic.IReadOnlyList<T>":
                    return Container(ValueKind.ReadOnlyList, named.TypeArguments[0], out unsupported);
                case "System.Collections.Generic.Dictionary<TKey, TValue>"
                    when named.TypeArguments[0].SpecialType == SpecialType.System_String:
                    return Container(ValueKind.Dictionary, named.TypeArguments[1], out unsupported);
            }

            return new TypeModel(ValueKind.Context, name, null, annotated && type.IsReferenceType, type.IsReferenceType, type.ToDisplayString(PlainFormat));

            TypeModel? Container(ValueKind containerKind, ITypeSymbol elementType, out string? reason)
            {
                var element = BuildType(elementType, out reason);
                return element is null ? null : new TypeModel(containerKind, name, element, annotated, true, null);
            }
        }

        private static bool IsPublicType(ITypeSymbol type)
        {
            switch (type)
            {
                case IArrayTypeSymbol array:
                    return IsPublicType(array.ElementType);
                case INamedTypeSymbol named:
                    for (ISymbol? symbol = named; symbol is INamedTypeSymbol; symbol = symbol.ContainingSymbol)
                    {
                        if (symbol.DeclaredAccessibility != Accessibility.Public)
                        {
                            return false;
                        }
                    }

                    return named.TypeArguments.All(IsPublicType);
                default:
                    return true;
            }
        }

        private static ReturnKind GetReturnKind(IMethodSymbol method)
        {
            if (method.ReturnsVoid)
            {
                return ReturnKind.Void;
            }

            var definition = method.ReturnType.OriginalDefinition.ToDisplayString();
            return definition switch
            {
                "System.Threading.Tasks.Task" or "System.Threading.Tasks.ValueTask" => ReturnKind.Awaitable,
                "System.Threading.Tasks.Task<TResult>" or "System.Threading.Tasks.ValueTask<TResult>" => ReturnKind.AwaitableValue,
                _ => ReturnKind.Value,
            };
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
            AttributeData attribute,
            string taskName,
            AttributeSyntax? attributeSyntax,
            List<DiagnosticInfo> diagnostics)
        {
            var retry = 0;
            double wait = 0, linearWait = 0, exponentialWait = 0;
            var retryOn = new List<string>();
            INamedTypeSymbol? strategy = null;
            var standardSettingsUsed = false;
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
                        standardSettingsUsed |= retry != 0;
                        if (retry < -1)
                        {
                            Report("Retry", "Retry cannot be negative (use TaskAttribute.Forever, -1, to retry forever)");
                        }

                        break;
                    case "RetryWait":
                    case "RetryLinearWait":
                    case "RetryExponentialWait":
                        var seconds = value.Value is double d ? d : 0;
                        standardSettingsUsed |= seconds != 0;
                        if (seconds < 0 || double.IsNaN(seconds) || double.IsInfinity(seconds))
                        {
                            Report(argument.Key, argument.Key + " must be a finite number of seconds, zero or more");
                        }

                        if (argument.Key == "RetryWait")
                        {
                            wait = seconds;
                        }
                        else if (argument.Key == "RetryLinearWait")
                        {
                            linearWait = seconds;
                        }
                        else
                        {
                            exponentialWait = seconds;
                        }

                        break;
                    case "RetryOn" when value.Kind == TypedConstantKind.Array && !value.IsNull:
                        standardSettingsUsed = true;
                        foreach (var item in value.Values)
                        {
                            if (item.Value is not INamedTypeSymbol exceptionType || !IsException(exceptionType))
                            {
                                Report("RetryOn", "RetryOn lists '" + item.Value + "', which is not an exception type");
                                continue;
                            }

                            retryOn.Add(exceptionType.ToDisplayString(PlainFormat));
                        }

                        break;
                    case "RetryStrategy" when value.Value is INamedTypeSymbol strategyType:
                        strategy = strategyType;
                        break;
                }
            }

            if (strategy is not null)
            {
                if (standardSettingsUsed)
                {
                    Report("RetryStrategy", "set either RetryStrategy or Retry/RetryWait/RetryLinearWait/RetryExponentialWait/RetryOn, not both");
                }

                if (!strategy.AllInterfaces.Any(static i => i.ToDisplayString() == "Procrastinate.IRetryStrategy"))
                {
                    Report("RetryStrategy", "'" + strategy.ToDisplayString() + "' does not implement Procrastinate.IRetryStrategy");
                }

                var hasConstructor = !strategy.IsAbstract && strategy.InstanceConstructors.Any(static c =>
                    c.Parameters.Length == 0 && c.DeclaredAccessibility == Accessibility.Public);
                if (!hasConstructor)
                {
                    Report("RetryStrategy", "'" + strategy.ToDisplayString() + "' needs a public parameterless constructor");
                }

                return new RetryModel(strategy.ToDisplayString(PlainFormat), null, 0, 0, 0, EquatableArray<string>.Empty);
            }

            if (!standardSettingsUsed)
            {
                return null;
            }

            return new RetryModel(null, retry < 0 ? null : retry, wait, linearWait, exponentialWait, retryOn.ToEquatableArray());
        }

        private static bool IsException(INamedTypeSymbol type)
        {
            for (INamedTypeSymbol? current = type; current is not null; current = current.BaseType)
            {
                if (current.ToDisplayString() == "System.Exception")
                {
                    return true;
                }
            }

            return false;
        }

        private static List<PeriodicModel> ParsePeriodic(
            IMethodSymbol method,
            string taskName,
            List<DiagnosticInfo> diagnostics,
            CancellationToken cancellationToken)
        {
            var schedules = new List<PeriodicModel>();
            foreach (var attribute in method.GetAttributes())
            {
                if (attribute.AttributeClass?.ToDisplayString() != "Procrastinate.PeriodicAttribute")
                {
                    continue;
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

                var error = CronValidator.Validate(cron);
                if (error is not null)
                {
                    var syntax = attribute.ApplicationSyntaxReference?.GetSyntax(cancellationToken) as AttributeSyntax;
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

            var typeName = type.ToDisplayString(PlainFormat);
            var nullable = type.OriginalDefinition.SpecialType == SpecialType.System_Nullable_T;
            var target = nullable ? ((INamedTypeSymbol)type).TypeArguments[0] : type;
            var targetName = target.ToDisplayString(PlainFormat);
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
