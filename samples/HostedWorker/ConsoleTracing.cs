using System.Diagnostics;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Procrastinate.Diagnostics;

namespace HostedWorker;

/// <summary>
/// Logs every Procrastinate span when it ends, with nothing but <see cref="ActivityListener"/>; a real service would
/// export them with OpenTelemetry (<c>AddSource(ProcrastinateInstrumentation.Name)</c>) instead.
/// </summary>
public sealed partial class ConsoleTracing(ILogger<ConsoleTracing> logger) : IHostedService, IDisposable
{
    private ActivityListener? _listener;

    // region: listener
    public Task StartAsync(CancellationToken cancellationToken)
    {
        _listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == ProcrastinateInstrumentation.Name,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity => Log.Span(
                logger, activity.DisplayName, activity.Kind, activity.TraceId, activity.Duration.TotalMilliseconds, activity.Status),
        };
        ActivitySource.AddActivityListener(_listener);
        return Task.CompletedTask;
    }
    // endregion

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public void Dispose() => _listener?.Dispose();

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Information, Message = "Span {Name} ({Kind}) trace {TraceId}: {Milliseconds:0.0} ms, {Status}")]
        public static partial void Span(ILogger logger, string name, ActivityKind kind, ActivityTraceId traceId, double milliseconds, ActivityStatusCode status);
    }
}
