using Npgsql;
using Procrastinate.Storage;

namespace Procrastinate.PostgreSql.Internal;

/// <summary>The store's data source, where it points, and the translation of connection and schema errors.</summary>
internal sealed class StoreConnections : IAsyncDisposable
{
    internal const string QueueingLockIndex = "procrastinate_jobs_queueing_lock_idx_v1";

    internal const string TraceContextTable = "procrastinate_dotnet_trace_contexts";

    internal const string JobErrorTable = "procrastinate_dotnet_job_errors";

    private const string AbortRequestedCheck = "check_not_todo_abort_requested";

    private const string ApplyHint =
        "The Procrastinate schema is missing from this database{0}: apply it with the command line's `schema --apply` " +
        "or PostgreSqlJobStore.ApplySchemaAsync().";

    // The connection string keywords whose values are free text a message must never carry.
    private static readonly string[] RedactedKeywords =
    [
        "Password", "SSL Password", "Passfile", "SSL Certificate", "SSL Key", "Root Certificate", "Options",
        "Application Name", "Kerberos Service Name", "Search Path",
    ];

    private readonly bool _ownsDataSource;
    private readonly List<string> _redacted = [];

    public StoreConnections(PostgreSqlJobStoreOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.DataSource is not null && options.ConnectionString is not null)
        {
            throw new ArgumentException("Give either a connection string or a data source, not both.", nameof(options));
        }

        if (options.DataSource is not null)
        {
            if (options.Schema is not null)
            {
                throw new ArgumentException(
                    "The schema option applies to a connection string only; set the search path of your data source " +
                    "instead (connection string key 'Search Path').",
                    nameof(options));
            }

            DataSource = options.DataSource;
            _ownsDataSource = false;
        }
        else
        {
            var builder = PostgreSqlConnectionString.Parse(options.ConnectionString);
            builder.Host ??= "localhost";
            var given = PostgreSqlConnectionString.GivenKeywords(builder);
            foreach (var keyword in RedactedKeywords)
            {
                if (given.TryGetValue(keyword, out var value) && value?.ToString() is { Length: > 0 } text)
                {
                    _redacted.Add(text);
                }
            }

            _redacted.Sort((a, b) => b.Length.CompareTo(a.Length));
            if (options.Schema is not null)
            {
                SqlIdentifier.Validate(options.Schema, "schema name", nameof(options));
                builder.SearchPath = SqlIdentifier.Quote(options.Schema);
            }

            if (builder.MaxAutoPrepare == 0)
            {
                // Every statement of queries.sql is prepared on a connection after its second use.
                builder.MaxAutoPrepare = 64;
                builder.AutoPrepareMinUsages = 2;
            }

            if (!given.ContainsKey("No Reset On Close"))
            {
                // The store leaves no session state behind (the listener UNLISTENs before it lets go), so the reset
                // Npgsql would otherwise send ahead of every reuse (seven statements) is pure cost.
                builder.NoResetOnClose = true;
            }

            var dataSourceBuilder = new NpgsqlSlimDataSourceBuilder(builder.ConnectionString);
            if (!given.ContainsKey("Server Compatibility Mode") && !given.ContainsKey("ServerCompatibilityMode"))
            {
                // The store reads and writes built-in types only (enums as text), so loading the server's type catalog
                // on the first connection (one large round trip, most of a CLI command's or worker's start-up) buys nothing.
                dataSourceBuilder.ConfigureTypeLoading(types => types.EnableTypeLoading(false));
            }

            dataSourceBuilder.EnableArrays();
            dataSourceBuilder.EnableTransportSecurity();
            try
            {
                DataSource = dataSourceBuilder.Build();
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // Npgsql refuses some combinations only here; its text is not passed on (it could quote a value).
                throw new ArgumentException(
                    "The connection string's settings cannot be used together (see the Npgsql connection string documentation).",
                    nameof(options));
            }
            _ownsDataSource = true;
        }

        // A caller's data source is described as Npgsql reads it: Npgsql takes no server from PG* variables.
        var parsed = new NpgsqlConnectionStringBuilder(DataSource.ConnectionString);
        Host = parsed.Host ?? "localhost";
        Port = parsed.Port;
        Database = parsed.Database;
        if (options.Schema is not null)
        {
            SchemaNames = [options.Schema];
        }
        else if (parsed.SearchPath is { Length: > 0 } searchPath)
        {
            SchemaNames = SqlIdentifier.ParseSearchPath(searchPath) ?? throw new ArgumentException(
                "The connection's search path cannot be read as a list of schema names (bare or double-quoted, separated by commas).",
                nameof(options));
        }
    }

    public NpgsqlDataSource DataSource { get; }

    public string Host { get; }

    public int Port { get; }

    public string? Database { get; }

    /// <summary>The schema names of the search path, as PostgreSQL reads them; <see langword="null"/> for the server's default.</summary>
    public IReadOnlyList<string>? SchemaNames { get; }

    /// <summary>The search path for messages: the schema names, comma-separated; <see langword="null"/> for the server's default.</summary>
    public string? Schema => SchemaNames is null ? null : string.Join(", ", SchemaNames);

    /// <summary>Opens a pooled connection; a failure names the host and port tried.</summary>
    public async ValueTask<NpgsqlConnection> OpenAsync(CancellationToken cancellationToken)
    {
        try
        {
            return await DataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is NpgsqlException or System.Net.Sockets.SocketException or TimeoutException or IOException
                                      && !cancellationToken.IsCancellationRequested)
        {
            throw new StoreUnavailableException(
                $"Cannot connect to PostgreSQL at {Host}:{Port}{(Database is null ? string.Empty : $" (database '{Database}')")}: {Redact(e.Message)}",
                e);
        }
    }

    /// <summary>
    /// <paramref name="message"/> with every free-text value of the connection string other than host, port, database
    /// and user (password, paths, options, names) replaced, in case the driver or the server quoted one.
    /// </summary>
    public string Redact(string message)
    {
        foreach (var value in _redacted)
        {
            message = message.Replace(value, "(not shown)", StringComparison.Ordinal);
        }

        return message;
    }

    /// <summary>
    /// The contract exception for a driver error that is no statement's fault: the connection broke or the server
    /// ended the session (SQLSTATE 57P01-57P03, class 08, or an I/O error); <see langword="null"/> for anything else.
    /// </summary>
    public StoreUnavailableException? TranslateConnectionLoss(NpgsqlException exception)
    {
        var lost = exception is PostgresException postgres
            ? postgres.SqlState is PostgresErrorCodes.AdminShutdown or PostgresErrorCodes.CrashShutdown or PostgresErrorCodes.CannotConnectNow
                || postgres.SqlState.StartsWith("08", StringComparison.Ordinal)
            : exception.InnerException is not OperationCanceledException;
        return lost
            ? new StoreUnavailableException(
                $"Lost the connection to PostgreSQL at {Host}:{Port}{(Database is null ? string.Empty : $" (database '{Database}')")}: " +
                Redact(exception is PostgresException p ? $"{p.SqlState}: {p.MessageText}" : exception.Message),
                exception)
            : null;
    }

    /// <summary>The exception to throw instead of <paramref name="npgsqlException"/>, or <see langword="null"/> to rethrow it.</summary>
    public Exception? Translate(NpgsqlException npgsqlException)
    {
        if (TranslateConnectionLoss(npgsqlException) is { } lost)
        {
            return lost;
        }

        if (npgsqlException is not PostgresException exception)
        {
            return null;
        }

        if (exception.SqlState == PostgresErrorCodes.UniqueViolation && exception.ConstraintName == QueueingLockIndex)
        {
            return new AlreadyEnqueuedException(ParseKeyValue(exception.Detail), exception);
        }

        if (exception.SqlState == PostgresErrorCodes.UndefinedTable
            && exception.MessageText.Contains(TraceContextTable, StringComparison.Ordinal))
        {
            return new SchemaUnusableException(
                $"StoreTraceContext is on but the table {TraceContextTable} is missing: create it with " +
                "PostgreSqlJobStore.Schema.ApplyTraceContextTableAsync(), or turn StoreTraceContext off.",
                exception);
        }

        if (exception.SqlState is PostgresErrorCodes.UndefinedTable or PostgresErrorCodes.UndefinedFunction
                or PostgresErrorCodes.UndefinedObject
            && exception.MessageText.Contains("procrastinate_", StringComparison.Ordinal))
        {
            var where = Schema is null ? string.Empty : $" (search path '{Schema}')";
            return new SchemaUnusableException(string.Format(System.Globalization.CultureInfo.InvariantCulture, ApplyHint, where), exception);
        }

        if (exception.SqlState.StartsWith("42", StringComparison.Ordinal))
        {
            // Class 42 (syntax error or access rule violation: an undefined table, column or function, a missing
            // privilege): the database does not have what the statement needs, and running it again cannot help.
            var where = Schema is null ? string.Empty : $" (search path '{Schema}')";
            return new SchemaUnusableException(
                $"The database cannot run Procrastinate's statements{where}: {exception.SqlState}: {Redact(exception.MessageText)}. " +
                "Compare the schema with this version with the command line's `schema --check`.",
                exception);
        }

        if (exception.SqlState == PostgresErrorCodes.RaiseException)
        {
            return new InvalidOperationException(exception.MessageText, exception);
        }

        if (exception.SqlState == PostgresErrorCodes.CheckViolation && exception.ConstraintName == AbortRequestedCheck)
        {
            // SCHEMA.md 0 #9: retrying a failed job whose abort was requested would make a waiting abort-requested job.
            return new InvalidOperationException(
                "The job cannot go back to todo: its abort was requested (check_not_todo_abort_requested).", exception);
        }

        if ((exception.SqlState == PostgresErrorCodes.InvalidTextRepresentation
                && exception.MessageText.Contains("json", StringComparison.OrdinalIgnoreCase))
            || exception.SqlState == PostgresErrorCodes.UntranslatableCharacter)
        {
            // The only text the statements cast is the job arguments, to jsonb.
            return new ArgumentException($"The job arguments are not valid jsonb: {exception.MessageText}", exception);
        }

        return null;
    }

    public async ValueTask DisposeAsync()
    {
        if (_ownsDataSource)
        {
            await DataSource.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Reads <c>x</c> out of a DETAIL like <c>Key (queueing_lock)=(x) already exists.</c> (when the server's detail is not redacted).</summary>
    internal static string? ParseKeyValue(string? detail)
    {
        const string Marker = ")=(";
        const string Suffix = ") already exists.";
        if (detail is null)
        {
            return null;
        }

        var start = detail.IndexOf(Marker, StringComparison.Ordinal);
        var end = detail.LastIndexOf(Suffix, StringComparison.Ordinal);
        return start < 0 || end < start + Marker.Length ? null : detail[(start + Marker.Length)..end];
    }
}
