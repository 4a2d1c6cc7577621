using Npgsql;

namespace Procrastinate.PostgreSql.Internal;

/// <summary>The store's data source, where it points, and the translation of connection and schema errors.</summary>
internal sealed class StoreConnections : IAsyncDisposable
{
    internal const string QueueingLockIndex = "procrastinate_jobs_queueing_lock_idx_v1";

    internal const string TraceContextTable = "procrastinate_dotnet_trace_contexts";

    private const string AbortRequestedCheck = "check_not_todo_abort_requested";

    private const string ApplyHint =
        "The Procrastinate schema is missing from this database{0}: apply it with the command line's `schema --apply` " +
        "or PostgreSqlJobStore.ApplySchemaAsync().";

    private readonly bool _ownsDataSource;

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
            if (options.Schema is not null)
            {
                ArgumentException.ThrowIfNullOrWhiteSpace(options.Schema, nameof(options));
                builder.SearchPath = QuoteIdentifier(options.Schema);
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
            DataSource = dataSourceBuilder.Build();
            _ownsDataSource = true;
        }

        // A caller's data source is described as Npgsql reads it: Npgsql takes no server from PG* variables.
        var parsed = new NpgsqlConnectionStringBuilder(DataSource.ConnectionString);
        Host = parsed.Host ?? "localhost";
        Port = parsed.Port;
        Database = parsed.Database;
        Schema = options.Schema ?? parsed.SearchPath;
    }

    public NpgsqlDataSource DataSource { get; }

    public string Host { get; }

    public int Port { get; }

    public string? Database { get; }

    public string? Schema { get; }

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
            throw new ProcrastinateException(
                $"Cannot connect to PostgreSQL at {Host}:{Port}{(Database is null ? string.Empty : $" (database '{Database}')")}: {e.Message}",
                e);
        }
    }

    /// <summary>The exception to throw instead of <paramref name="exception"/>, or <see langword="null"/> to rethrow it.</summary>
    public Exception? Translate(PostgresException exception)
    {
        if (exception.SqlState == PostgresErrorCodes.UniqueViolation && exception.ConstraintName == QueueingLockIndex)
        {
            return new AlreadyEnqueuedException(ParseKeyValue(exception.Detail), exception);
        }

        if (exception.SqlState == PostgresErrorCodes.UndefinedTable
            && exception.MessageText.Contains(TraceContextTable, StringComparison.Ordinal))
        {
            return new ProcrastinateException(
                $"StoreTraceContext is on but the table {TraceContextTable} is missing: create it with " +
                "PostgreSqlJobStore.Schema.ApplyTraceContextTableAsync(), or turn StoreTraceContext off.",
                exception);
        }

        if (exception.SqlState is PostgresErrorCodes.UndefinedTable or PostgresErrorCodes.UndefinedFunction
                or PostgresErrorCodes.UndefinedObject
            && exception.MessageText.Contains("procrastinate_", StringComparison.Ordinal))
        {
            var where = Schema is null ? string.Empty : $" (search path '{Schema}')";
            return new ProcrastinateException(string.Format(System.Globalization.CultureInfo.InvariantCulture, ApplyHint, where), exception);
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

    /// <summary>Quotes a PostgreSQL identifier when it is not a plain lowercase one.</summary>
    public static string QuoteIdentifier(string identifier)
    {
        var plain = identifier.Length > 0 && (char.IsAsciiLetterLower(identifier[0]) || identifier[0] == '_')
            && identifier.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '_' || c == '$');
        return plain ? identifier : "\"" + identifier.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
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

    /// <summary>A channel name as a quoted identifier for <c>LISTEN</c>.</summary>
    internal static string QuoteChannel(string channel) => "\"" + channel.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
}
