using Microsoft.Extensions.Logging;
using Npgsql;

namespace Procrastinate.PostgreSql;

/// <summary>How <see cref="PostgreSqlJobStore"/> reaches its database.</summary>
/// <remarks>
/// Give either <see cref="ConnectionString"/> (the store then owns its connection pool) or
/// <see cref="DataSource"/> (owned by the caller, never disposed by the store). With neither, the store connects as
/// libpq would from the <c>PG*</c> environment variables and <c>.pgpass</c> (<c>PGHOST</c>, <c>PGPORT</c>,
/// <c>PGUSER</c>, <c>PGPASSWORD</c>, <c>PGDATABASE</c>, <c>PGPASSFILE</c>, ...; see docs/connecting.md), on <c>localhost</c> when no host is named.
/// </remarks>
public sealed record PostgreSqlJobStoreOptions
{
    /// <summary>
    /// The DSN: an Npgsql connection string (<c>Host=db;Username=worker</c>), a libpq URI
    /// (<c>postgresql://worker@db/shop?sslmode=require</c>) or a libpq <c>host=db dbname=shop</c> string, read as
    /// libpq reads it; what it leaves out comes from the <c>PG*</c> variables.
    /// </summary>
    public string? ConnectionString { get; init; }

    /// <summary>A data source the caller owns and disposes; its search path must already point at the schema.</summary>
    public NpgsqlDataSource? DataSource { get; init; }

    /// <summary>
    /// The PostgreSQL schema (namespace) holding Procrastinate's objects, set as the connections' search path; several
    /// schemas host independent queues in one database. <see langword="null"/> keeps the server's search path
    /// (normally <c>public</c>). Only with <see cref="ConnectionString"/>: a caller's data source sets its own.
    /// </summary>
    public string? Schema { get; init; }

    /// <summary>
    /// Whether to keep each job's trace context (<see cref="Storage.JobToDefer.TraceParent"/>) in the table
    /// <c>procrastinate_dotnet_trace_contexts</c>, so that runs continue the trace that deferred them. Off by
    /// default: the table is not part of Procrastinate's schema and must be created first with
    /// <see cref="PostgreSqlSchemaManager.ApplyTraceContextTableAsync"/>. Costs, while tracing is on, one more row
    /// per deferred job and one more query per non-empty fetch; nothing while it is off.
    /// </summary>
    public bool StoreTraceContext { get; init; }

    /// <summary>Where the store logs (listener reconnects at Warning); none when <see langword="null"/>.</summary>
    public ILoggerFactory? LoggerFactory { get; init; }

    /// <summary>The first wait before the listener reconnects; it doubles up to <see cref="ListenerMaxReconnectDelay"/>.</summary>
    public TimeSpan ListenerReconnectDelay { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>The longest wait between two reconnection attempts of the listener.</summary>
    public TimeSpan ListenerMaxReconnectDelay { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>After this long without a notification the listener checks its connection with a query.</summary>
    public TimeSpan ListenerKeepAliveInterval { get; init; } = TimeSpan.FromSeconds(30);
}
