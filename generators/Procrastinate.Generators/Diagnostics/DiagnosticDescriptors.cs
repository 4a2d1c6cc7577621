using Microsoft.CodeAnalysis;

namespace Procrastinate.Generators.Diagnostics;

/// <summary>
/// Every diagnostic the generator reports. The IDs are a public contract: never renumber or reuse one, and record
/// each in <c>AnalyzerReleases.Unshipped.md</c>. Each has a help page under <c>docs/diagnostics/</c>.
/// </summary>
internal static class DiagnosticDescriptors
{
    private const string Category = "Procrastinate";

    /// <summary>Where the help pages live; the ID and <c>.md</c> are appended.</summary>
    private const string HelpLinkBase = "https://github.com/procrastinate-dotnet/procrastinate-dotnet/blob/main/docs/diagnostics/";

    /// <summary>PROC001: <c>The type '{0}' that declares task '{1}' must be 'partial'</c>.</summary>
    public static readonly DiagnosticDescriptor TypeNotPartial = Create(
        "PROC001",
        "Task type is not partial",
        "The type '{0}' that declares task '{1}' must be 'partial' (and so must every type around it)");

    /// <summary>PROC002: <c>The task method '{0}' must be declared 'partial'</c>.</summary>
    public static readonly DiagnosticDescriptor MethodNotPartial = Create(
        "PROC002",
        "Task method is not partial",
        "The task method '{0}' must be declared 'partial' with a body; the generator writes its declaration");

    /// <summary>PROC003: <c>The task method '{0}' cannot be generic or be declared in a generic type</c>.</summary>
    public static readonly DiagnosticDescriptor GenericTask = Create(
        "PROC003",
        "Task method is generic",
        "The task method '{0}' cannot be generic or be declared in a generic type");

    /// <summary>PROC004: <c>Parameter '{0}' of task '{1}' has type '{2}', which cannot be a task argument</c>.</summary>
    public static readonly DiagnosticDescriptor UnsupportedParameterType = Create(
        "PROC004",
        "Unsupported task argument type",
        "Parameter '{0}' of task '{1}' has type '{2}', which cannot be a task argument: {3}");

    /// <summary>PROC005: <c>Parameter '{0}' of task '{1}' has type '{2}', which no JsonSerializerContext covers</c>.</summary>
    public static readonly DiagnosticDescriptor UncoveredParameterType = Create(
        "PROC005",
        "Task argument type needs a JsonSerializerContext",
        "Parameter '{0}' of task '{1}' has type '{2}', which no JsonSerializerContext of this assembly covers; add [JsonSerializable(typeof({3}))] to a JsonSerializerContext");

    /// <summary>PROC006: <c>Task name '{0}' is used by both {1} and {2}</c>.</summary>
    public static readonly DiagnosticDescriptor DuplicateTaskName = Create(
        "PROC006",
        "Duplicate task name or alias",
        "Task name '{0}' is used by both {1} and {2}; task names and aliases must be unique");

    /// <summary>PROC007: <c>Invalid cron expression '{0}' on task '{1}': {2}</c>.</summary>
    public static readonly DiagnosticDescriptor InvalidCron = Create(
        "PROC007",
        "Invalid cron expression",
        "Invalid cron expression '{0}' on task '{1}': {2}");

    /// <summary>PROC008: <c>Invalid retry settings on task '{0}': {1}</c>.</summary>
    public static readonly DiagnosticDescriptor InvalidRetry = Create(
        "PROC008",
        "Invalid retry settings",
        "Invalid retry settings on task '{0}': {1}");

    /// <summary>PROC009: <c>Queue name '{0}' of task '{1}' is invalid: {2}</c>.</summary>
    public static readonly DiagnosticDescriptor InvalidQueueName = Create(
        "PROC009",
        "Invalid queue name",
        "Queue name '{0}' of task '{1}' is invalid: {2}");

    /// <summary>PROC010: <c>The generated {0} '{1}' of task '{2}' clashes with {3}</c>.</summary>
    public static readonly DiagnosticDescriptor GeneratedNameClash = Create(
        "PROC010",
        "Generated name clash",
        "The generated {0} '{1}' of task '{2}' clashes with {3}");

    /// <summary>PROC011: <c>Parameter '{0}' of task '{1}' cannot be 'ref', 'out', 'in' or 'params'</c>.</summary>
    public static readonly DiagnosticDescriptor ByRefParameter = Create(
        "PROC011",
        "Task parameter is ref, out, in or params",
        "Parameter '{0}' of task '{1}' cannot be 'ref', 'out', 'in' or 'params'");

    /// <summary>PROC012: <c>Task '{0}' takes more than one '{1}' parameter</c>.</summary>
    public static readonly DiagnosticDescriptor DuplicateSpecialParameter = Create(
        "PROC012",
        "More than one JobContext or CancellationToken",
        "Task '{0}' takes more than one '{1}' parameter; declare it at most once");

    /// <summary>PROC013: <c>The task method '{0}' must be static and visible to its assembly</c>.</summary>
    public static readonly DiagnosticDescriptor MethodNotReachable = Create(
        "PROC013",
        "Task method is not static or not visible",
        "The task method '{0}' must be static and at least internal, in types that are at least internal");

    /// <summary>PROC014: <c>Periodic task '{0}' is invalid: {1}</c>.</summary>
    public static readonly DiagnosticDescriptor InvalidPeriodicTask = Create(
        "PROC014",
        "Invalid periodic task",
        "Periodic task '{0}' is invalid: {1}");

    /// <summary>PROC015: <c>The Args of a [Periodic] schedule of task '{0}' do not fit its parameters: {1}</c>.</summary>
    public static readonly DiagnosticDescriptor InvalidPeriodicArgs = Create(
        "PROC015",
        "Periodic arguments do not fit the task",
        "The Args of a [Periodic] schedule of task '{0}' do not fit its parameters: {1}");

    /// <summary>PROC016: <c>Unknown time zone '{0}' on a [Periodic] schedule of task '{1}': {2}</c>.</summary>
    public static readonly DiagnosticDescriptor UnknownTimeZone = Create(
        "PROC016",
        "Unknown periodic time zone",
        "Unknown time zone '{0}' on a [Periodic] schedule of task '{1}': {2}");

    /// <summary>PROC017: <c>'{0}' is given a DateTime, which becomes a DateTimeOffset in this machine's local time zone unless its Kind is Utc</c>.</summary>
    public static readonly DiagnosticDescriptor DateTimeSchedule = Create(
        "PROC017",
        "DateTime given as a job's schedule",
        "'{0}' is given a DateTime, which becomes a DateTimeOffset in the local time zone of the machine that runs it unless its Kind is Utc; pass a DateTimeOffset",
        DiagnosticSeverity.Warning);

    /// <summary>PROC018: <c>Middleware '{0}' of task '{1}' is invalid: {2}</c>.</summary>
    public static readonly DiagnosticDescriptor InvalidMiddleware = Create(
        "PROC018",
        "Invalid task middleware",
        "Middleware '{0}' of task '{1}' is invalid: {2}");

    private static DiagnosticDescriptor Create(string id, string title, string message, DiagnosticSeverity severity = DiagnosticSeverity.Error) =>
        new(id, title, message, Category, severity, isEnabledByDefault: true, helpLinkUri: HelpLinkBase + id + ".md");
}
