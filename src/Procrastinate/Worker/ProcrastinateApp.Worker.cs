namespace Procrastinate;

/// <content>Running a worker.</content>
public sealed partial class ProcrastinateApp
{
    /// <summary>
    /// Runs a worker for this app until it stops: see <see cref="Worker.RunAsync"/>. Options of this run apply over
    /// <see cref="WorkerDefaults"/>, which apply over Procrastinate's defaults.
    /// </summary>
    /// <param name="options">Options of this run.</param>
    /// <param name="cancellationToken">Cancelling it stops the worker gracefully; the method then returns normally.</param>
    /// <exception cref="ArgumentException">An option is out of range.</exception>
    public Task RunWorkerAsync(WorkerOptions? options = null, CancellationToken cancellationToken = default) =>
        new Worker(this, options).RunAsync(cancellationToken);
}
