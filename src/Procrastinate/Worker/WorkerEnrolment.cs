using Microsoft.Extensions.Logging;
using Procrastinate.Storage;

namespace Procrastinate;

/// <summary>
/// The worker's standing in the store: the schema check at start, registration (waiting for a store that cannot be
/// reached yet, with backoff) and unregistration.
/// </summary>
internal sealed class WorkerEnrolment
{
    private readonly IJobStore _store;
    private readonly WorkerSettings _settings;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly WorkerIdentity _identity;

    public WorkerEnrolment(IJobStore store, WorkerSettings settings, TimeProvider time, ILogger logger, WorkerIdentity identity)
    {
        _store = store;
        _settings = settings;
        _time = time;
        _logger = logger;
        _identity = identity;
    }

    /// <summary>
    /// Asks the store whether its schema can be used; returns the reason when it cannot. A store that cannot be reached
    /// is not a reason: registration waits for it, and statements that fail later for the schema's sake stop the worker.
    /// </summary>
    public async Task<SchemaUnusableException?> CheckSchemaAsync(CancellationToken stop)
    {
        try
        {
            await _store.EnsureSchemaUsableAsync(stop).ConfigureAwait(false);
            return null;
        }
        catch (SchemaUnusableException exception)
        {
            return exception;
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            return null;
        }
        catch (Exception exception) when (exception is not OutOfMemoryException)
        {
            WorkerLog.StoreCallFailed(_logger, "Checking the schema", 0, exception);
            return null;
        }
    }

    public async Task<(long? Id, SchemaUnusableException? Error)> RegisterAsync(CancellationToken stop)
    {
        var backoff = default(Backoff);
        while (!stop.IsCancellationRequested)
        {
            try
            {
                var pruned = await _store.PruneStalledWorkersAsync(_settings.StalledWorkerTimeout, stop).ConfigureAwait(false);
                if (pruned.Count > 0)
                {
                    WorkerLog.StalledWorkersPruned(_logger, pruned.Count);
                }

                return (await _store.RegisterWorkerAsync(stop).ConfigureAwait(false), null);
            }
            catch (SchemaUnusableException exception)
            {
                return (null, exception);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                break;
            }
            catch (Exception exception) when (exception is not OutOfMemoryException)
            {
                var delay = backoff.Next();
                WorkerLog.StoreCallFailed(_logger, "Registering the worker", delay.TotalSeconds, exception);
                await Backoff.DelayAsync(delay, _time, stop).ConfigureAwait(false);
            }
        }

        return (null, null);
    }

    public async Task UnregisterAsync()
    {
        var workerId = _identity.Id;
        try
        {
            await _store.UnregisterWorkerAsync(workerId, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is not OutOfMemoryException)
        {
            WorkerLog.UnregisterFailed(_logger, workerId, exception);
        }
    }
}
