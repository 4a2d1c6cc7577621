using Microsoft.CodeAnalysis;

namespace Procrastinate.Generators.Helpers;

/// <summary>
/// The types the generator recognizes, looked up once per compilation by metadata name and compared as symbols
/// (never by display string). A type the compilation lacks is <see langword="null"/> and matches nothing.
/// </summary>
internal sealed class KnownTypeSymbols
{
    /// <summary><c>Procrastinate.TaskAttribute</c>.</summary>
    public const string TaskAttributeName = "Procrastinate.TaskAttribute";

    /// <summary><c>System.Text.Json.Serialization.JsonSerializableAttribute</c>.</summary>
    public const string JsonSerializableAttributeName = "System.Text.Json.Serialization.JsonSerializableAttribute";

    private readonly Compilation _compilation;
    private Lookup _jobContext;
    private Lookup _cancellationToken;
    private Lookup _taskArgumentAttribute;
    private Lookup _periodicAttribute;
    private Lookup _retryStrategyInterface;
    private Lookup _jobMiddleware;
    private Lookup _exception;
    private Lookup _jsonSerializerContext;
    private Lookup _guid;
    private Lookup _dateTimeOffset;
    private Lookup _dateOnly;
    private Lookup _timeOnly;
    private Lookup _timeSpan;
    private Lookup _list;
    private Lookup _readOnlyList;
    private Lookup _dictionary;
    private Lookup _task;
    private Lookup _taskOfT;
    private Lookup _valueTask;
    private Lookup _valueTaskOfT;

    /// <summary>Creates the lookups for <paramref name="compilation"/>; each type is resolved on first use.</summary>
    public KnownTypeSymbols(Compilation compilation)
    {
        _compilation = compilation;
    }

    /// <summary><c>Procrastinate.JobContext</c>.</summary>
    public INamedTypeSymbol? JobContext => Get(ref _jobContext, "Procrastinate.JobContext");

    /// <summary><c>System.Threading.CancellationToken</c>.</summary>
    public INamedTypeSymbol? CancellationToken => Get(ref _cancellationToken, "System.Threading.CancellationToken");

    /// <summary><c>Procrastinate.TaskArgumentAttribute</c>.</summary>
    public INamedTypeSymbol? TaskArgumentAttribute => Get(ref _taskArgumentAttribute, "Procrastinate.TaskArgumentAttribute");

    /// <summary><c>Procrastinate.PeriodicAttribute</c>.</summary>
    public INamedTypeSymbol? PeriodicAttribute => Get(ref _periodicAttribute, "Procrastinate.PeriodicAttribute");

    /// <summary><c>Procrastinate.IRetryStrategy</c>.</summary>
    public INamedTypeSymbol? RetryStrategyInterface => Get(ref _retryStrategyInterface, "Procrastinate.IRetryStrategy");

    /// <summary><c>Procrastinate.JobMiddleware</c>.</summary>
    public INamedTypeSymbol? JobMiddleware => Get(ref _jobMiddleware, "Procrastinate.JobMiddleware");

    /// <summary><c>System.Exception</c>.</summary>
    public INamedTypeSymbol? Exception => Get(ref _exception, "System.Exception");

    /// <summary><c>System.Text.Json.Serialization.JsonSerializerContext</c>.</summary>
    public INamedTypeSymbol? JsonSerializerContext => Get(ref _jsonSerializerContext, "System.Text.Json.Serialization.JsonSerializerContext");

    /// <summary><c>System.Guid</c>.</summary>
    public INamedTypeSymbol? Guid => Get(ref _guid, "System.Guid");

    /// <summary><c>System.DateTimeOffset</c>.</summary>
    public INamedTypeSymbol? DateTimeOffset => Get(ref _dateTimeOffset, "System.DateTimeOffset");

    /// <summary><c>System.DateOnly</c>.</summary>
    public INamedTypeSymbol? DateOnly => Get(ref _dateOnly, "System.DateOnly");

    /// <summary><c>System.TimeOnly</c>.</summary>
    public INamedTypeSymbol? TimeOnly => Get(ref _timeOnly, "System.TimeOnly");

    /// <summary><c>System.TimeSpan</c>.</summary>
    public INamedTypeSymbol? TimeSpan => Get(ref _timeSpan, "System.TimeSpan");

    /// <summary><c>System.Collections.Generic.List&lt;T&gt;</c>.</summary>
    public INamedTypeSymbol? List => Get(ref _list, "System.Collections.Generic.List`1");

    /// <summary><c>System.Collections.Generic.IReadOnlyList&lt;T&gt;</c>.</summary>
    public INamedTypeSymbol? ReadOnlyList => Get(ref _readOnlyList, "System.Collections.Generic.IReadOnlyList`1");

    /// <summary><c>System.Collections.Generic.Dictionary&lt;TKey, TValue&gt;</c>.</summary>
    public INamedTypeSymbol? Dictionary => Get(ref _dictionary, "System.Collections.Generic.Dictionary`2");

    /// <summary><c>System.Threading.Tasks.Task</c>.</summary>
    public INamedTypeSymbol? Task => Get(ref _task, "System.Threading.Tasks.Task");

    /// <summary><c>System.Threading.Tasks.Task&lt;TResult&gt;</c>.</summary>
    public INamedTypeSymbol? TaskOfT => Get(ref _taskOfT, "System.Threading.Tasks.Task`1");

    /// <summary><c>System.Threading.Tasks.ValueTask</c>.</summary>
    public INamedTypeSymbol? ValueTask => Get(ref _valueTask, "System.Threading.Tasks.ValueTask");

    /// <summary><c>System.Threading.Tasks.ValueTask&lt;TResult&gt;</c>.</summary>
    public INamedTypeSymbol? ValueTaskOfT => Get(ref _valueTaskOfT, "System.Threading.Tasks.ValueTask`1");

    /// <summary>Whether <paramref name="type"/> (or, for a constructed generic, its definition) is <paramref name="known"/>.</summary>
    public static bool Is(ITypeSymbol? type, INamedTypeSymbol? known) =>
        type is not null && known is not null && SymbolEqualityComparer.Default.Equals(type.OriginalDefinition, known);

    /// <summary>Whether <paramref name="type"/> is <paramref name="known"/> or derives from it.</summary>
    public static bool DerivesFrom(ITypeSymbol? type, INamedTypeSymbol? known)
    {
        for (var current = type; current is not null; current = current.BaseType)
        {
            if (Is(current, known))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Whether <paramref name="type"/> implements the interface <paramref name="known"/>.</summary>
    public static bool Implements(ITypeSymbol type, INamedTypeSymbol? known)
    {
        foreach (var candidate in type.AllInterfaces)
        {
            if (Is(candidate, known))
            {
                return true;
            }
        }

        return false;
    }

    private INamedTypeSymbol? Get(ref Lookup lookup, string metadataName)
    {
        if (!lookup.Done)
        {
            lookup = new Lookup(true, _compilation.GetTypeByMetadataName(metadataName));
        }

        return lookup.Symbol;
    }

    /// <summary>One type, looked up or not yet.</summary>
    private readonly struct Lookup
    {
        public Lookup(bool done, INamedTypeSymbol? symbol)
        {
            Done = done;
            Symbol = symbol;
        }

        public bool Done { get; }

        public INamedTypeSymbol? Symbol { get; }
    }
}
