using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using Procrastinate.PostgreSql;
using Procrastinate.Storage;

namespace Procrastinate.Hosting;

/// <summary>Registers Procrastinate in a service container, as <c>AddDbContext</c> registers a database context.</summary>
public static class ProcrastinateServiceCollectionExtensions
{
    /// <summary>
    /// Registers the <see cref="ProcrastinateApp"/> (a singleton, set as <see cref="ProcrastinateApp.Default"/> when the
    /// host starts, so generated task handles use it) and its <see cref="IJobStore"/>, disposed with the container.
    /// Worker options are bound from the <c>"Procrastinate"</c> configuration section over those set in code.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configure">Sets the connection, the tasks and the worker options.</param>
    /// <exception cref="InvalidOperationException">Procrastinate is already registered.</exception>
    /// <exception cref="ArgumentException">No store source or more than one is set (thrown here, not at start).</exception>
    public static IServiceCollection AddProcrastinate(this IServiceCollection services, Action<ProcrastinateHostingOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        if (services.Any(d => d.ServiceType == typeof(ProcrastinateHostingOptions)))
        {
            throw new InvalidOperationException("AddProcrastinate was already called on these services; one app per container.");
        }

        var options = new ProcrastinateHostingOptions();
        configure(options);
        ValidateStoreSource(options);
        services.AddSingleton(options);
        var workerConfiguration = services.AddOptions<ProcrastinateWorkerConfiguration>();
        if (options.ConfigurationSection is { } section)
        {
            workerConfiguration.BindConfiguration(section);
        }

        services.TryAddSingleton(CreateStore);
        services.TryAddSingleton(CreateApp);
        services.AddHostedService<DefaultAppSetter>();
        return services;
    }

    /// <summary>
    /// Runs a worker of the app for as long as the host runs: it starts with the host and stops gracefully with it
    /// (running jobs get <see cref="WorkerOptions.ShutdownGracefulTimeout"/>, bounded by the host's shutdown
    /// timeout, then are aborted). The host owns SIGINT/SIGTERM, so the worker installs no signal handlers.
    /// </summary>
    /// <param name="services">The service collection, where <see cref="AddProcrastinate"/> was called.</param>
    /// <param name="options">Options of this worker over the app's (e.g. its queues).</param>
    /// <exception cref="InvalidOperationException">A worker is already registered.</exception>
    public static IServiceCollection AddProcrastinateWorker(this IServiceCollection services, WorkerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        if (services.Any(d => d.ServiceType == typeof(ProcrastinateWorkerService)))
        {
            throw new InvalidOperationException("AddProcrastinateWorker was already called on these services.");
        }

        services.AddSingleton(provider => new ProcrastinateWorkerService(
            provider.GetRequiredService<ProcrastinateApp>(),
            options,
            provider.GetRequiredService<IHostApplicationLifetime>(),
            provider.GetService<ILoggerFactory>()));
        services.AddHostedService(provider => provider.GetRequiredService<ProcrastinateWorkerService>());
        return services;
    }

    private static void ValidateStoreSource(ProcrastinateHostingOptions options)
    {
        var sources = new[]
        {
            (options.ConnectionStringName is not null, nameof(options.ConnectionStringName)),
            (options.ConnectionString is not null, nameof(options.ConnectionString)),
            (options.UseDataSourceFromServices, nameof(options.UseDataSourceFromServices)),
            (options.StoreFactory is not null, nameof(options.StoreFactory)),
        }.Where(s => s.Item1).Select(s => s.Item2).ToList();
        if (sources.Count != 1)
        {
            throw new ArgumentException(
                "Set exactly one store source in AddProcrastinate: ConnectionStringName (a connection string in " +
                "configuration), ConnectionString (a DSN), UseDataSourceFromServices (an NpgsqlDataSource in the " +
                "container) or StoreFactory" + (sources.Count == 0 ? "; none is set." : $"; got {string.Join(" and ", sources)}."),
                nameof(options));
        }

        if (options.Schema is not null && (options.UseDataSourceFromServices || options.StoreFactory is not null))
        {
            throw new ArgumentException(
                "Schema applies with a connection string only; set the search path of your data source instead.", nameof(options));
        }
    }

    private static IJobStore CreateStore(IServiceProvider provider)
    {
        var options = provider.GetRequiredService<ProcrastinateHostingOptions>();
        if (options.StoreFactory is { } factory)
        {
            return factory(provider) ?? throw new InvalidOperationException("The StoreFactory of AddProcrastinate returned null.");
        }

        var loggerFactory = provider.GetService<ILoggerFactory>();
        if (options.UseDataSourceFromServices)
        {
            var dataSource = provider.GetService<NpgsqlDataSource>() ?? throw new InvalidOperationException(
                "UseDataSourceFromServices is set but no NpgsqlDataSource is registered in the services.");
            return new PostgreSqlJobStore(new PostgreSqlJobStoreOptions
            {
                DataSource = dataSource,
                LoggerFactory = loggerFactory,
                StoreTraceContext = options.StoreTraceContext,
            });
        }

        var connectionString = options.ConnectionString;
        if (options.ConnectionStringName is { } name)
        {
            connectionString = provider.GetRequiredService<IConfiguration>().GetConnectionString(name)
                ?? throw new InvalidOperationException(
                    $"No connection string named '{name}' in configuration (key 'ConnectionStrings:{name}').");
        }

        return new PostgreSqlJobStore(new PostgreSqlJobStoreOptions
        {
            ConnectionString = connectionString,
            Schema = options.Schema,
            LoggerFactory = loggerFactory,
            StoreTraceContext = options.StoreTraceContext,
        });
    }

    private static ProcrastinateApp CreateApp(IServiceProvider provider)
    {
        var options = provider.GetRequiredService<ProcrastinateHostingOptions>();
        var configured = provider.GetRequiredService<IOptions<ProcrastinateWorkerConfiguration>>().Value;
        var app = new ProcrastinateApp(provider.GetRequiredService<IJobStore>(), new ProcrastinateAppOptions
        {
            Tasks = options.Tasks,
            LoggerFactory = provider.GetService<ILoggerFactory>(),
            TimeProvider = provider.GetService<TimeProvider>(),
            WorkerDefaults = configured.ApplyOver(options.Worker),
            PeriodicMaxDelay = options.PeriodicMaxDelay,
        });
        if (options.SetAsDefault)
        {
            ProcrastinateApp.Default = app;
        }

        return app;
    }

    /// <summary>Builds the app when the host starts, so that <see cref="ProcrastinateApp.Default"/> is set from then on.</summary>
    private sealed class DefaultAppSetter : IHostedService
    {
        public DefaultAppSetter(ProcrastinateApp app)
        {
            _ = app;
        }

        public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
