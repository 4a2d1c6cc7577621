using Procrastinate.Storage;

namespace Procrastinate.Hosting;

/// <summary>
/// How <see cref="ProcrastinateServiceCollectionExtensions.AddProcrastinate"/> builds the app: where jobs are stored,
/// which tasks it knows, and worker options. Exactly one store source applies: <see cref="ConnectionStringName"/>,
/// <see cref="ConnectionString"/>, <see cref="UseDataSourceFromServices"/> or <see cref="StoreFactory"/>.
/// </summary>
public sealed class ProcrastinateHostingOptions
{
    /// <summary>The default configuration section of the worker options: <c>"Procrastinate"</c>.</summary>
    public const string DefaultConfigurationSection = "Procrastinate";

    /// <summary>The name of a connection string in configuration (<c>ConnectionStrings:{name}</c>).</summary>
    public string? ConnectionStringName { get; set; }

    /// <summary>
    /// A DSN: an Npgsql connection string or a libpq URI (<c>postgresql://...</c>), read as
    /// the store reads it; the app's store owns its connection pool.
    /// </summary>
    public string? ConnectionString { get; set; }

    /// <summary>Whether to use the <see cref="Npgsql.NpgsqlDataSource"/> registered in the service container.</summary>
    public bool UseDataSourceFromServices { get; set; }

    /// <summary>Builds the store from the services, e.g. an in-memory store in tests; the container disposes it.</summary>
    public Func<IServiceProvider, IJobStore>? StoreFactory { get; set; }

    /// <summary>
    /// The PostgreSQL schema holding Procrastinate's tables, with <see cref="ConnectionString"/> or
    /// <see cref="ConnectionStringName"/>; the server's search path when <see langword="null"/>.
    /// </summary>
    public string? Schema { get; set; }

    /// <summary>
    /// Whether the PostgreSQL store keeps each job's trace context so that runs continue the trace that deferred them;
    /// see <see cref="PostgreSql.PostgreSqlJobStoreOptions.StoreTraceContext"/> (its table must exist).
    /// </summary>
    public bool StoreTraceContext { get; set; }

    /// <summary>The tasks the app defers and runs; add each assembly's generated registry with <see cref="AddTasks"/>.</summary>
    public TaskRegistry Tasks { get; } = new();

    /// <summary>
    /// Worker options set in code (middleware, additional context, defaults). Values bound from
    /// <see cref="ConfigurationSection"/> apply over them.
    /// </summary>
    public WorkerOptions Worker { get; set; } = new();

    /// <summary>
    /// The configuration section bound to <see cref="ProcrastinateWorkerConfiguration"/>; <see langword="null"/> binds
    /// nothing.
    /// </summary>
    public string? ConfigurationSection { get; set; } = DefaultConfigurationSection;

    /// <summary>Whether the app becomes <see cref="ProcrastinateApp.Default"/>, the one generated handles use; true by default.</summary>
    public bool SetAsDefault { get; set; } = true;

    /// <summary>A periodic tick older than this is skipped; 10 minutes by default, as Procrastinate.</summary>
    public TimeSpan PeriodicMaxDelay { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Registers the tasks of a generated registry (<c>Procrastinate.Generated.{Assembly}Tasks.All</c>).</summary>
    /// <exception cref="InvalidOperationException">A task name is registered twice.</exception>
    public ProcrastinateHostingOptions AddTasks(IEnumerable<TaskDefinition> tasks)
    {
        Tasks.AddRange(tasks);
        return this;
    }
}
