using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;

namespace Procrastinate;

/// <summary>
/// SIGINT and SIGTERM handlers for a worker's run: the first signal stops it gracefully, any later one aborts its
/// running jobs. The process ends when the run returns, not at the signal.
/// </summary>
internal sealed class WorkerSignals : IDisposable
{
    private readonly ILogger _logger;
    private readonly Action<string> _stop;
    private readonly Action _abort;
    private readonly List<PosixSignalRegistration> _registrations = [];
    private int _signals;

    private WorkerSignals(ILogger logger, Action<string> stop, Action abort)
    {
        _logger = logger;
        _stop = stop;
        _abort = abort;
    }

    /// <summary>Installs the handlers when <paramref name="install"/> is true and the platform has them.</summary>
    /// <param name="install">Whether to install them (<see cref="WorkerOptions.InstallSignalHandlers"/>).</param>
    /// <param name="logger">Where signals are logged.</param>
    /// <param name="stop">Stops gracefully, with the reason to log.</param>
    /// <param name="abort">Aborts running jobs.</param>
    public static WorkerSignals Install(bool install, ILogger logger, Action<string> stop, Action abort)
    {
        var signals = new WorkerSignals(logger, stop, abort);
        if (!install)
        {
            return signals;
        }

        try
        {
            signals._registrations.Add(PosixSignalRegistration.Create(PosixSignal.SIGINT, signals.OnSignal));
            signals._registrations.Add(PosixSignalRegistration.Create(PosixSignal.SIGTERM, signals.OnSignal));
        }
        catch (Exception exception) when (exception is PlatformNotSupportedException or IOException)
        {
            WorkerLog.SkipSignalHandlers(logger, exception.Message);
            signals.Dispose();
        }

        return signals;
    }

    public void Dispose()
    {
        foreach (var registration in _registrations)
        {
            registration.Dispose();
        }

        _registrations.Clear();
    }

    private void OnSignal(PosixSignalContext context)
    {
        // Handled here: the process ends when the run returns, not at the signal.
        context.Cancel = true;
        WorkerLog.SignalReceived(_logger, context.Signal.ToString());
        if (Interlocked.Increment(ref _signals) == 1)
        {
            _stop($"{context.Signal} received; a second signal aborts running jobs");
        }
        else
        {
            _abort();
        }
    }
}
