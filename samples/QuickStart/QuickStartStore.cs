using Procrastinate.PostgreSql;
using Procrastinate.Storage;
using Procrastinate.Testing.InMemory;
using Procrastinate.Testing.PostgreSql;

namespace QuickStart;

/// <summary>
/// The store the quick start runs on: PostgreSQL named by <c>PROCRASTINATE_DSN</c> or the libpq <c>PG*</c> variables;
/// else a throwaway local PostgreSQL server when its binaries are installed; else (or with <c>--in-memory</c>) the
/// in-memory store.
/// </summary>
internal sealed class QuickStartStore : IAsyncDisposable
{
    private readonly IAsyncDisposable? _owned;
    private readonly PostgresServer? _server;

    private QuickStartStore(IJobStore store, string description, IAsyncDisposable? owned, PostgresServer? server)
    {
        Store = store;
        Description = description;
        _owned = owned;
        _server = server;
    }

    public IJobStore Store { get; }

    public string Description { get; }

    public static async Task<QuickStartStore> OpenAsync(bool inMemory)
    {
        if (inMemory)
        {
            return new QuickStartStore(new InMemoryJobStore(), "the in-memory store (--in-memory)", null, null);
        }

        var dsn = Environment.GetEnvironmentVariable("PROCRASTINATE_DSN");
        if (!string.IsNullOrWhiteSpace(dsn) || HasLibpqVariables())
        {
            var store = new PostgreSqlJobStore(dsn ?? "");
            await ApplySchemaIfMissingAsync(store);
            return new QuickStartStore(store, "PostgreSQL from " + (string.IsNullOrWhiteSpace(dsn) ? "the PG* variables" : "PROCRASTINATE_DSN"), store, null);
        }

        if (PostgresBinaries.FindBinDirectory() is not null)
        {
            var server = await PostgresServer.StartAsync();
            var store = new PostgreSqlJobStore(await server.CreateDatabaseAsync());
            await store.ApplySchemaAsync();
            return new QuickStartStore(store, $"a throwaway PostgreSQL server on port {server.Port}", store, server);
        }

        return new QuickStartStore(new InMemoryJobStore(), "the in-memory store (no PostgreSQL found)", null, null);
    }

    public async ValueTask DisposeAsync()
    {
        if (_owned is not null)
        {
            await _owned.DisposeAsync();
        }

        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }

    private static bool HasLibpqVariables() =>
        new[] { "PGHOST", "PGPORT", "PGDATABASE", "PGUSER", "PGSERVICE" }
            .Any(name => !string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable(name)));

    private static async Task ApplySchemaIfMissingAsync(PostgreSqlJobStore store)
    {
        if (!await store.Schema.IsAppliedAsync())
        {
            await store.ApplySchemaAsync();
        }
    }
}
