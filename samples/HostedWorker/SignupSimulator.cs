using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Procrastinate;
using Procrastinate.PostgreSql;

namespace HostedWorker;

/// <summary>Plays the application: defers a few jobs through the app from the container, then reports health.</summary>
public sealed partial class SignupSimulator(
    ProcrastinateApp app, HealthCheckService health, IConfiguration configuration, ILogger<SignupSimulator> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (configuration.GetValue<bool>("Sample:ApplySchema") && app.Store is PostgreSqlJobStore store)
        {
            if (!await store.IsSchemaPresentAsync(stoppingToken))
            {
                await store.ApplySchemaAsync(stoppingToken);
            }

            await store.Schema.ApplyTraceContextTableAsync(stoppingToken);
        }

        // region: defer-through-di
        var signups = configuration.GetValue("Sample:Signups", 3);
        for (var i = 1; i <= signups; i++)
        {
            var id = await SendWelcomeEmail.Configure(app: app).DeferAsync($"user{i}@example.com", stoppingToken);
            Log.Deferred(logger, id);
        }
        // endregion

        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(10));
        do
        {
            var report = await health.CheckHealthAsync(stoppingToken);
            foreach (var (name, entry) in report.Entries)
            {
                Log.Health(logger, name, entry.Status, entry.Description);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Information, Message = "Deferred job {JobId}")]
        public static partial void Deferred(ILogger logger, long jobId);

        [LoggerMessage(Level = LogLevel.Information, Message = "Health {Check}: {Status} ({Description})")]
        public static partial void Health(ILogger logger, string check, HealthStatus status, string? description);
    }
}
