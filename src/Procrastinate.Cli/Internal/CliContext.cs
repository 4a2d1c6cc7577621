using System.CommandLine;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Procrastinate.PostgreSql;

namespace Procrastinate.Cli.Internal;

/// <summary>
/// One invocation: the parsed command line, where it writes, its environment, and the store and app, built on first
/// use from the connection options.
/// </summary>
internal sealed class CliContext : IAsyncDisposable
{
    private readonly ProcrastinateCliOptions _options;
    private readonly GlobalOptions _globals;
    private readonly ILoggerFactory? _ownedLoggerFactory;
    private PostgreSqlJobStore? _store;
    private ProcrastinateApp? _app;

    public CliContext(ProcrastinateCliOptions options, GlobalOptions globals, ParseResult parseResult)
    {
        _options = options;
        _globals = globals;
        ParseResult = parseResult;
        Environment = new CliEnvironment(options.GetEnvironmentVariable);
        Out = options.Output;
        Error = options.Error;
        Json = parseResult.GetValue(globals.Json);
        var verbosity = parseResult.GetResult(globals.Verbose) is { Implicit: false } verbose
            ? verbose.IdentifierTokenCount
            : Environment.Int("PROCRASTINATE_VERBOSE") ?? 0;
        if (options.LoggerFactory is { } factory)
        {
            LoggerFactory = factory;
        }
        else
        {
            _ownedLoggerFactory = new CliLoggerFactory(Error, CliLoggerFactory.LevelFor(verbosity));
            LoggerFactory = _ownedLoggerFactory;
        }
    }

    public ParseResult ParseResult { get; }

    public CliEnvironment Environment { get; }

    public TextWriter Out { get; }

    public TextWriter Error { get; }

    public bool Json { get; }

    public ILoggerFactory LoggerFactory { get; }

    public TaskRegistry Tasks => _options.Tasks;

    public TimeProvider TimeProvider => _options.TimeProvider ?? TimeProvider.System;

    public WorkerOptions? WorkerDefaults => _options.WorkerDefaults;

    /// <summary>The store, connected as <c>--dsn</c>/<c>PROCRASTINATE_DSN</c>, the app's connection string, or <c>PG*</c> say.</summary>
    public PostgreSqlJobStore Store => _store ??= CreateStore();

    /// <summary>The app over <see cref="Store"/> with the binary's tasks; also <see cref="ProcrastinateApp.Default"/> when configured.</summary>
    public ProcrastinateApp App
    {
        get
        {
            if (_app is null)
            {
                _app = new ProcrastinateApp(Store, new ProcrastinateAppOptions
                {
                    Tasks = _options.Tasks,
                    LoggerFactory = LoggerFactory,
                    TimeProvider = _options.TimeProvider,
                    WorkerDefaults = _options.WorkerDefaults,
                    PeriodicMaxDelay = _options.PeriodicMaxDelay,
                });
                if (_options.SetDefaultApp)
                {
                    ProcrastinateApp.Default = _app;
                }
            }

            return _app;
        }
    }

    /// <summary>Where the store connects, for messages: host, port, database and schema (never the password).</summary>
    public string Describe()
    {
        var builder = new Npgsql.NpgsqlConnectionStringBuilder(Store.DataSource.ConnectionString);
        return $"{builder.Host}:{builder.Port}"
            + (builder.Database is { } database ? $"/{database}" : string.Empty)
            + (builder.SearchPath is { Length: > 0 } schema ? $" (schema {schema})" : string.Empty);
    }

    /// <summary>Fails unless the database is reachable and holds the schema: what every database command needs first.</summary>
    public async Task RequireSchemaAsync(CancellationToken cancellationToken)
    {
        if (!await Store.Schema.IsAppliedAsync(cancellationToken).ConfigureAwait(false))
        {
            throw new CliException(
                $"The Procrastinate schema is missing from {Describe()}: apply it with `schema --apply`.");
        }
    }

    public void WriteJson(Action<Utf8JsonWriter> write) => Out.WriteLine(Output.Json(write));

    /// <summary>Writes <paramref name="items"/> one line each, or as one JSON array with <c>--json</c>.</summary>
    public void WriteList<T>(IEnumerable<T> items, Action<Utf8JsonWriter, T> json, Func<T, string> line)
    {
        using var list = StartList(json, line);
        foreach (var item in items)
        {
            list.Write(item);
        }

        list.Complete();
    }

    /// <summary>Writes a list item by item as it comes: a line each, or one JSON array written incrementally.</summary>
    public ListWriter<T> StartList<T>(Action<Utf8JsonWriter, T> json, Func<T, string> line) => new(Out, Json, json, line);

    public async ValueTask DisposeAsync()
    {
        if (_store is not null)
        {
            await _store.DisposeAsync().ConfigureAwait(false);
        }

        _ownedLoggerFactory?.Dispose();
    }

    private PostgreSqlJobStore CreateStore()
    {
        var dsn = ParseResult.GetValue(_globals.Dsn) ?? Environment.String("PROCRASTINATE_DSN") ?? _options.ConnectionString;
        var schema = ParseResult.GetValue(_globals.Schema) ?? Environment.String("PROCRASTINATE_SCHEMA") ?? _options.Schema;
        var storeOptions = new PostgreSqlJobStoreOptions
        {
            ConnectionString = ConnectionStrings.ForStore(dsn, Environment),
            Schema = schema,
            LoggerFactory = LoggerFactory,
        };
        if (_options.ConfigureStore is { } configure)
        {
            storeOptions = configure(storeOptions);
        }

        try
        {
            return new PostgreSqlJobStore(storeOptions);
        }
        catch (ArgumentException e)
        {
            throw CliException.Usage($"The connection options cannot be used: {e.Message}", e);
        }
    }
}
