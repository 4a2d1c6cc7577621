using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Procrastinate.PostgreSql;
using Procrastinate.Testing.PostgreSql;

namespace Procrastinate.Bench;

/// <summary>
/// The PostgreSQL server the workloads run on (a throwaway cluster at default durability, or the given DSN) and the
/// template databases that fresh per-run databases are cloned from.
/// </summary>
internal sealed class BenchServer : IAsyncDisposable
{
    private readonly PostgresServer _server;
    private readonly string _suffix = Guid.NewGuid().ToString("N")[..6];
    private readonly Dictionary<string, string> _templates = new(StringComparer.Ordinal);
    private int _databases;

    private BenchServer(PostgresServer server)
    {
        _server = server;
    }

    public bool IsThrowaway => _server.IsThrowaway;

    public string ConnectionString => _server.ConnectionString;

    public static async Task<BenchServer> StartAsync(string? dsn)
    {
        var server = dsn is null
            ? await PostgresServer.StartAsync(new PostgresServerOptions { Durable = true })
            : PostgresServer.Connect(dsn);
        return new BenchServer(server);
    }

    /// <summary>
    /// A fresh database holding the schema, plus whatever <paramref name="fill"/> put into the template named
    /// <paramref name="templateKey"/> (filled once, cloned for every run).
    /// </summary>
    /// <remarks>
    /// With <paramref name="cached"/>, the template outlives this invocation: it is named after the key and a hash of
    /// the schema this build applies, found again by the next invocation on the same server (<c>--dsn</c>; a throwaway
    /// cluster goes away with its templates), and cloned by copying its files (<c>STRATEGY = FILE_COPY</c>), which
    /// for a large template is faster than writing it to the WAL (every clone is made that way, see <see cref="CloneAsync"/>).
    /// </remarks>
    public async Task<BenchDatabase> CreateDatabaseAsync(string templateKey = "schema", Func<string, Task>? fill = null, bool cached = false)
    {
        if (cached)
        {
            return await CloneAsync(await CachedTemplateAsync(templateKey, fill));
        }

        if (!_templates.TryGetValue(templateKey, out var template))
        {
            template = await _server.CreateTemplateAsync($"bench_{templateKey}_{_suffix}", async connectionString =>
            {
                await using (var store = new PostgreSqlJobStore(connectionString))
                {
                    await store.ApplySchemaAsync();
                }

                if (fill is not null)
                {
                    await fill(connectionString);
                    await ExecuteAsync(connectionString, "VACUUM ANALYZE");
                }
            });
            _templates[templateKey] = template;
            NpgsqlConnection.ClearAllPools();
        }

        return await CloneAsync(template);
    }

    /// <summary>
    /// A run's database, cloned from <paramref name="template"/> by copying its files (<c>STRATEGY = FILE_COPY</c>).
    /// That strategy checkpoints first, so a run never starts with the dirty buffers of the runs and fixtures before
    /// it (which it would otherwise write out itself, within its timing); and a large template is copied without being
    /// written to the WAL.
    /// </summary>
    private async Task<BenchDatabase> CloneAsync(string template)
    {
        var run = $"bench_run_{_suffix}_{++_databases}";
        await ExecuteAsync(_server.ConnectionString, $"CREATE DATABASE \"{run}\" TEMPLATE \"{template}\" STRATEGY = FILE_COPY");
        return new BenchDatabase(this, run, _server.GetConnectionString(run));
    }

    public Task DropDatabaseAsync(string name) => _server.DropDatabaseAsync(name);

    /// <summary>
    /// The kept template for <paramref name="key"/>: found by name, or filled under a temporary name and renamed once
    /// complete (an interrupted fill leaves no template that looks finished).
    /// </summary>
    private async Task<string> CachedTemplateAsync(string key, Func<string, Task>? fill)
    {
        var hash = Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(
            PostgreSqlSchemaManager.GetSchemaSql() + PostgreSqlSchemaManager.OwnObjectsSql() + key)))[..10].ToLowerInvariant();
        var name = $"bench_fixture_{key}_{hash}";
        await using (var connection = new NpgsqlConnection(_server.ConnectionString))
        {
            await connection.OpenAsync();
            await using var exists = new NpgsqlCommand("SELECT count(*) FROM pg_database WHERE datname = $1", connection)
            {
                Parameters = { new NpgsqlParameter { Value = name } },
            };
            if ((long)(await exists.ExecuteScalarAsync())! > 0)
            {
                Console.Error.WriteLine($"Using the kept fixture {name}");
                return name;
            }
        }

        var filling = $"{name}_filling";
        Console.Error.WriteLine($"Filling the fixture {name} (kept for later invocations)");
        await ExecuteAsync(_server.ConnectionString, $"DROP DATABASE IF EXISTS \"{filling}\" WITH (FORCE)");
        await ExecuteAsync(_server.ConnectionString, $"CREATE DATABASE \"{filling}\"");
        var connectionString = new NpgsqlConnectionStringBuilder(_server.GetConnectionString(filling)) { Pooling = false }.ConnectionString;
        await using (var store = new PostgreSqlJobStore(connectionString))
        {
            await store.ApplySchemaAsync();
        }

        if (fill is not null)
        {
            await fill(connectionString);
            await ExecuteAsync(connectionString, "VACUUM ANALYZE");
        }

        NpgsqlConnection.ClearAllPools();
        await ExecuteAsync(_server.ConnectionString, $"ALTER DATABASE \"{filling}\" RENAME TO \"{name}\"");
        return name;
    }

    public static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection) { CommandTimeout = 0 };
        await command.ExecuteNonQueryAsync();
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var template in _templates.Values)
        {
            try
            {
                await _server.DropDatabaseAsync(template);
            }
            catch (NpgsqlException)
            {
                // Best effort: a throwaway cluster goes away anyway.
            }
        }

        await _server.DisposeAsync();
    }
}

/// <summary>One run's fresh database, with a store and an app over it; dropped on dispose.</summary>
internal sealed class BenchDatabase : IAsyncDisposable
{
    private readonly BenchServer _server;
    private readonly string _name;

    public BenchDatabase(BenchServer server, string name, string connectionString)
    {
        _server = server;
        _name = name;
        ConnectionString = connectionString;
        Store = new PostgreSqlJobStore(connectionString);
        App = new ProcrastinateApp(Store, new ProcrastinateAppOptions
        {
            Tasks = new TaskRegistry(Generated.ProcrastinateBenchTasks.All),
            LoggerFactory = Logging,
        });
        ProcrastinateApp.Default = App;
    }

    /// <summary>
    /// Logs to stderr at the level named by PROCRASTINATE_BENCH_LOG (e.g. Warning), to see what the library reports
    /// during a run; nothing when unset.
    /// </summary>
    private static ILoggerFactory Logging { get; } =
        Enum.TryParse<LogLevel>(Environment.GetEnvironmentVariable("PROCRASTINATE_BENCH_LOG"), ignoreCase: true, out var level)
            ? LoggerFactory.Create(builder => builder.SetMinimumLevel(level).AddConsole(options => options.LogToStandardErrorThreshold = LogLevel.Trace))
            : NullLoggerFactory.Instance;

    public string ConnectionString { get; }

    public PostgreSqlJobStore Store { get; }

    public ProcrastinateApp App { get; }

    public async Task<long> ScalarAsync(string sql, params long[] parameters)
    {
        await using var connection = await Store.DataSource.OpenConnectionAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var value in parameters)
        {
            command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = value });
        }

        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }

    public async ValueTask DisposeAsync()
    {
        await Store.DisposeAsync();
        await _server.DropDatabaseAsync(_name);
    }
}
