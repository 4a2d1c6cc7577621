namespace Procrastinate.Testing.PostgreSql;

/// <summary>How <see cref="PostgresServer.StartAsync"/> sets up its throwaway cluster.</summary>
public sealed record PostgresServerOptions
{
    /// <summary>The folder of <c>initdb</c>/<c>pg_ctl</c>; found with <see cref="PostgresBinaries"/> when unset.</summary>
    public string? BinDirectory { get; init; }

    /// <summary>
    /// Keep PostgreSQL's durability defaults (<c>fsync</c>, <c>synchronous_commit</c>, <c>full_page_writes</c> on).
    /// Off by default: a throwaway test cluster trades crash safety for speed. Benchmarks turn it on.
    /// </summary>
    public bool Durable { get; init; }

    /// <summary>The server's <c>max_connections</c>.</summary>
    public int MaxConnections { get; init; } = 200;

    /// <summary>More server settings, passed as <c>-c name=value</c>.</summary>
    public IReadOnlyDictionary<string, string>? Settings { get; init; }

    /// <summary>How long to wait for the server to accept connections.</summary>
    public TimeSpan StartTimeout { get; init; } = TimeSpan.FromSeconds(60);
}
