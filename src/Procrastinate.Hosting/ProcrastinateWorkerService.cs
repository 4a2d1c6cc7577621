using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Procrastinate.Hosting;

/// <summary>
/// The hosted worker registered by <see cref="ProcrastinateServiceCollectionExtensions.AddProcrastinateWorker"/>:
/// starts a <see cref="Procrastinate.Worker"/> when the host starts and stops it gracefully when the host stops.
/// Resolve it to see the worker (health checks do).
/// </summary>
/// <remarks>
/// On stop, the worker stops fetching and lets running jobs finish for up to its
/// <see cref="WorkerOptions.ShutdownGracefulTimeout"/>; if the host's own shutdown timeout
/// (<c>HostOptions.ShutdownTimeout</c>, 30 s by default) ends first, running jobs are aborted then. Keep the graceful timeout
/// below the host's. A worker that ends by itself (e.g. <see cref="WorkerOptions.Wait"/> false) leaves the host
/// running; one that fails stops the application.
/// </remarks>
public sealed partial class ProcrastinateWorkerService : IHostedService
{
    /// <summary>How long stopping waits, once jobs were aborted at the host's timeout, for them and their outcomes.</summary>
    public static readonly TimeSpan AbortWait = TimeSpan.FromSeconds(5);

    private readonly ProcrastinateApp _app;
    private readonly WorkerOptions _options;
    private readonly IHostApplicationLifetime _lifetime;
    private readonly ILogger _logger;
    private Task? _run;

    /// <summary>Creates the service; the worker is created when the host starts.</summary>
    public ProcrastinateWorkerService(
        ProcrastinateApp app,
        WorkerOptions? options,
        IHostApplicationLifetime lifetime,
        ILoggerFactory? loggerFactory = null)
    {
        _app = app ?? throw new ArgumentNullException(nameof(app));
        _options = (options ?? new WorkerOptions()) with { InstallSignalHandlers = false };
        _lifetime = lifetime ?? throw new ArgumentNullException(nameof(lifetime));
        _logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger("Procrastinate.Hosting");
    }

    /// <summary>The worker, once the host started.</summary>
    public Worker? Worker { get; private set; }

    /// <summary>Whether the worker's run has ended (stopped, or never started).</summary>
    public bool HasEnded => _run is null || _run.IsCompleted;

    /// <summary>Creates the worker and starts it in the background; registration and fetching follow.</summary>
    /// <exception cref="ArgumentException">A worker option is out of range: the host does not start.</exception>
    public Task StartAsync(CancellationToken cancellationToken)
    {
        var worker = new Worker(_app, _options);
        Worker = worker;
        _run = Task.Run(() => RunAsync(worker), CancellationToken.None);
        return Task.CompletedTask;
    }

    /// <summary>
    /// Stops the worker gracefully and returns once it has stopped; when <paramref name="cancellationToken"/> (the
    /// host's shutdown timeout) fires first, aborts running jobs and waits at most <see cref="AbortWait"/> more.
    /// </summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (Worker is not { } worker || _run is not { } run)
        {
            return;
        }

        worker.Stop();
        var stopped = await Task.WhenAny(run, Task.Delay(Timeout.Infinite, cancellationToken)).ConfigureAwait(false);
        if (stopped == run)
        {
            return;
        }

        Log.HostTimeoutReached(_logger, worker.RunningJobCount);
        worker.Abort();
        await Task.WhenAny(run, Task.Delay(AbortWait, CancellationToken.None)).ConfigureAwait(false);
    }

    private async Task RunAsync(Worker worker)
    {
        try
        {
            await worker.RunAsync(CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is not OutOfMemoryException)
        {
            Log.WorkerFailed(_logger, exception);
            _lifetime.StopApplication();
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 201, Level = LogLevel.Warning,
            Message = "The host's shutdown timeout ended before the worker stopped; aborting {RunningJobs} running job(s)")]
        public static partial void HostTimeoutReached(ILogger logger, int runningJobs);

        [LoggerMessage(EventId = 202, Level = LogLevel.Critical, Message = "The Procrastinate worker failed; stopping the application")]
        public static partial void WorkerFailed(ILogger logger, Exception exception);
    }
}
