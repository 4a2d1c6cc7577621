using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Procrastinate.PostgreSql;

namespace Procrastinate.Hosting;

/// <summary>Health checks of Procrastinate for <c>Microsoft.Extensions.Diagnostics.HealthChecks</c>.</summary>
public static class ProcrastinateHealthChecks
{
    /// <summary>The name of the check that the database answers.</summary>
    public const string Connection = "procrastinate.connection";

    /// <summary>The name of the check that the database holds Procrastinate's schema.</summary>
    public const string Schema = "procrastinate.schema";

    /// <summary>The name of the check that the hosted worker runs and its heartbeat is recent.</summary>
    public const string Worker = "procrastinate.worker";

    /// <summary>
    /// Adds three checks: <see cref="Connection"/> (a connection opens), <see cref="Schema"/> (the jobs table is
    /// there) and, with <paramref name="worker"/>, <see cref="Worker"/> (the hosted worker of
    /// <see cref="ProcrastinateServiceCollectionExtensions.AddProcrastinateWorker"/> is registered and fetching, and
    /// its last heartbeat is younger than <see cref="WorkerOptions.StalledWorkerTimeout"/>, past which other workers
    /// would take its jobs for stalled).
    /// </summary>
    /// <param name="builder">The health checks builder.</param>
    /// <param name="worker">Whether to add the worker check (for processes that host a worker).</param>
    /// <param name="tags">Tags of the checks, to filter them per endpoint.</param>
    public static IHealthChecksBuilder AddProcrastinateHealthChecks(
        this IHealthChecksBuilder builder, bool worker = true, IEnumerable<string>? tags = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var tagList = tags?.ToArray() ?? [];
        builder.Add(new HealthCheckRegistration(
            Connection, p => new ConnectionCheck(p.GetRequiredService<ProcrastinateApp>()), HealthStatus.Unhealthy, tagList));
        builder.Add(new HealthCheckRegistration(
            Schema, p => new SchemaCheck(p.GetRequiredService<ProcrastinateApp>()), HealthStatus.Unhealthy, tagList));
        if (worker)
        {
            builder.Add(new HealthCheckRegistration(
                Worker, p => new WorkerCheck(p.GetService<ProcrastinateWorkerService>(), p.GetRequiredService<ProcrastinateApp>().TimeProvider),
                HealthStatus.Unhealthy, tagList));
        }

        return builder;
    }

    private sealed class ConnectionCheck(ProcrastinateApp app) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            if (app.Store is not PostgreSqlJobStore store)
            {
                return HealthCheckResult.Healthy($"The store ({app.Store.GetType().Name}) has no connection to check.");
            }

            try
            {
                var connection = await store.DataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
                await connection.DisposeAsync().ConfigureAwait(false);
                return HealthCheckResult.Healthy("The database answers.");
            }
            catch (Exception exception) when (exception is Npgsql.NpgsqlException or InvalidOperationException or TimeoutException)
            {
                return new HealthCheckResult(context.Registration.FailureStatus, "Cannot connect to the database: " + exception.Message, exception);
            }
        }
    }

    private sealed class SchemaCheck(ProcrastinateApp app) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
            await app.Store.IsSchemaPresentAsync(cancellationToken).ConfigureAwait(false)
                ? HealthCheckResult.Healthy("The Procrastinate schema is present.")
                : new HealthCheckResult(
                    context.Registration.FailureStatus,
                    "The Procrastinate schema is missing (or the database is unreachable): apply it with `schema --apply`.");
    }

    private sealed class WorkerCheck(ProcrastinateWorkerService? service, TimeProvider time) : IHealthCheck
    {
        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            var failure = context.Registration.FailureStatus;
            if (service is null)
            {
                return Result(failure, "No hosted worker: call services.AddProcrastinateWorker(), or add the checks with worker: false.");
            }

            if (service.Worker is not { } worker)
            {
                return Result(HealthStatus.Degraded, "The worker has not started yet.");
            }

            var data = new Dictionary<string, object>
            {
                ["worker"] = worker.Name,
                ["running_jobs"] = worker.RunningJobCount,
                ["fetched_jobs"] = worker.FetchedJobCount,
            };
            if (service.HasEnded || worker.IsStopping)
            {
                return Result(failure, "The worker is stopped or stopping.", data);
            }

            if (worker.Id is not { } id || worker.LastHeartbeat is not { } heartbeat)
            {
                return Result(HealthStatus.Degraded, "The worker is registering.", data);
            }

            data["worker_id"] = id;
            data["last_heartbeat"] = heartbeat;
            var age = time.GetUtcNow() - heartbeat;
            if (age > worker.StalledWorkerTimeout)
            {
                return Result(
                    failure,
                    $"The worker's last heartbeat is {age.TotalSeconds:0} s old, past its stalled timeout of {worker.StalledWorkerTimeout.TotalSeconds:0} s: other workers may take its jobs for stalled.",
                    data);
            }

            return Result(HealthStatus.Healthy, $"Worker {id} is running.", data);
        }

        private static Task<HealthCheckResult> Result(HealthStatus status, string description, Dictionary<string, object>? data = null) =>
            Task.FromResult(new HealthCheckResult(status, description, data: data));
    }
}
