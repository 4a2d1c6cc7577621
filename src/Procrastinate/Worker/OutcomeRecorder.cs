using System.Collections.Concurrent;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Procrastinate.Storage;

namespace Procrastinate;

/// <summary>
/// Records the outcomes of runs in the store, batching the finishes that accumulate while a write is under way.
/// A write that fails is retried with back-off until it succeeds: a database outage delays outcomes, never loses
/// them. Only an error the contract calls permanent (the job is gone or no longer running) drops an outcome, and
/// <see cref="GiveUp"/> (an immediate abort) stops retrying, leaving such jobs to stalled-job recovery. Every outcome is
/// fenced by the worker that fetched the job (<see cref="JobCompletion.WorkerId"/>): the store drops one whose job
/// stalled-job recovery gave back meanwhile, so an outcome written late never ends another worker's run.
/// While sharing is on (<see cref="StartSharing"/>), finishes are left for the fetch loop, which records them in the
/// same round trip as its next fetch (<see cref="TakeShared"/>); what it cannot record comes back (<see cref="Return"/>).
/// </summary>
internal sealed class OutcomeRecorder
{
    private const int MaxBatch = 100;
    private readonly Channel<JobOutcome> _channel = Channel.CreateUnbounded<JobOutcome>(
        new UnboundedChannelOptions { SingleReader = true });

    private readonly IJobStore _store;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly Action _onRecorded;
    private readonly Action<SchemaUnusableException> _onSchemaUnusable;
    private readonly CancellationTokenSource _giveUp = new();
    private readonly ConcurrentQueue<JobCompletion> _shared = new();
    private readonly object _sharingLock = new();
    private bool _sharing;
    private int _pending;

    public OutcomeRecorder(
        IJobStore store, TimeProvider timeProvider, ILogger logger, Action onRecorded, Action<SchemaUnusableException> onSchemaUnusable)
    {
        _store = store;
        _timeProvider = timeProvider;
        _logger = logger;
        _onRecorded = onRecorded;
        _onSchemaUnusable = onSchemaUnusable;
    }

    /// <summary>Outcomes handed over and not yet recorded (or dropped).</summary>
    public int Pending => Volatile.Read(ref _pending);

    /// <summary>Queues an outcome for recording.</summary>
    public void Add(JobOutcome outcome)
    {
        Interlocked.Increment(ref _pending);
        if (TryShare(outcome))
        {
            return;
        }

        if (!_channel.Writer.TryWrite(outcome))
        {
            // Only after Complete, which the worker calls once every job has ended.
            Interlocked.Decrement(ref _pending);
            throw new InvalidOperationException("The worker no longer records outcomes.");
        }
    }

    /// <summary>From now on, finishes wait for <see cref="TakeShared"/> (the fetch loop) instead of being written alone.</summary>
    public void StartSharing()
    {
        lock (_sharingLock)
        {
            _sharing = true;
        }
    }

    /// <summary>Finishes go back to being written alone, starting with those still waiting to be taken.</summary>
    public void StopSharing()
    {
        lock (_sharingLock)
        {
            _sharing = false;
            while (_shared.TryDequeue(out var completion))
            {
                _channel.Writer.TryWrite(JobOutcome.Finished(completion));
            }
        }
    }

    /// <summary>Moves up to <paramref name="max"/> shared finishes into <paramref name="into"/>; the caller records them.</summary>
    public void TakeShared(List<JobCompletion> into, int max)
    {
        while (into.Count < max && _shared.TryDequeue(out var completion))
        {
            into.Add(completion);
        }
    }

    /// <summary>The caller recorded <paramref name="count"/> taken finishes.</summary>
    public void Recorded(int count) => Interlocked.Add(ref _pending, -count);

    /// <summary>The caller could not record these taken finishes: they are written alone, with the usual retries.</summary>
    public void Return(IEnumerable<JobCompletion> completions)
    {
        foreach (var completion in completions)
        {
            _channel.Writer.TryWrite(new JobOutcome(completion, null, Alone: true));
        }
    }

    /// <summary>No more outcomes will come; <see cref="RunAsync"/> ends once the queued ones are recorded.</summary>
    public void Complete() => _channel.Writer.TryComplete();

    /// <summary>Stops retrying failed writes: each outcome left gets one more attempt.</summary>
    public void GiveUp()
    {
        try
        {
            _giveUp.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // Already finished.
        }
    }

    /// <summary>Records outcomes until <see cref="Complete"/> was called and all are recorded.</summary>
    public async Task RunAsync()
    {
        var reader = _channel.Reader;
        var pending = new List<JobOutcome>();
        var backoff = default(Backoff);
        try
        {
            while (pending.Count > 0 || await reader.WaitToReadAsync(CancellationToken.None).ConfigureAwait(false))
            {
                // Only outcomes that are not shared come here (Add shares the others).
                while (pending.Count < MaxBatch && reader.TryRead(out var outcome))
                {
                    pending.Add(outcome);
                }

                if (pending.Count == 0)
                {
                    continue;
                }

                var failed = await RecordAsync(pending, backoff.Failures).ConfigureAwait(false);
                var done = pending.Count - failed.Count;
                pending = failed;
                if (done > 0)
                {
                    Interlocked.Add(ref _pending, -done);
                    _onRecorded();
                }

                if (pending.Count == 0)
                {
                    backoff.Reset();
                    continue;
                }

                // Outcomes that arrive meanwhile join the next attempt.
                await DelayAsync(backoff.Next()).ConfigureAwait(false);
            }
        }
        finally
        {
            _giveUp.Dispose();
        }
    }

    /// <summary>Leaves a finish to the fetch loop while sharing is on, and wakes it; sharing starts before any job runs.</summary>
    private bool TryShare(JobOutcome outcome)
    {
        if (outcome is not { Finish: { } completion, Alone: false })
        {
            return false;
        }

        lock (_sharingLock)
        {
            if (!_sharing)
            {
                return false;
            }

            _shared.Enqueue(completion);
        }

        _onRecorded();
        return true;
    }

    /// <summary>Records <paramref name="outcomes"/>; returns those to try again.</summary>
    private async Task<List<JobOutcome>> RecordAsync(List<JobOutcome> outcomes, int failures)
    {
        var failed = new List<JobOutcome>();
        var finishes = outcomes.Where(o => o.Finish is not null).Select(o => o.Finish!.Value).ToList();
        if (finishes.Count > 1)
        {
            try
            {
                await _store.FinishJobsAsync(finishes, CancellationToken.None).ConfigureAwait(false);
                finishes.Clear();
            }
            catch (Exception exception) when (exception is not OutOfMemoryException)
            {
                // Go one by one, so that one bad outcome cannot hold back the others.
                WorkerLog.RecordOutcomesFailed(_logger, finishes.Count, exception);
            }
        }

        foreach (var finish in finishes)
        {
            if (!await TryRecordAsync(finish.JobId, "finish", failures, () => _store.FinishJobsAsync([finish], CancellationToken.None))
                .ConfigureAwait(false))
            {
                failed.Add(JobOutcome.Finished(finish));
            }
        }

        foreach (var retry in outcomes.Select(o => o.Retry).OfType<RetryJobParams>())
        {
            if (!await TryRecordAsync(retry.JobId, "retry", failures, () => RetryOrFailAsync(retry))
                .ConfigureAwait(false))
            {
                failed.Add(JobOutcome.Retried(retry));
            }
        }

        return failed;
    }

    /// <summary>
    /// Retries a job; when a waiting job already holds its queueing lock, that job does the same work, so this one ends
    /// failed instead of being retried again and again.
    /// </summary>
    private async ValueTask RetryOrFailAsync(RetryJobParams retry)
    {
        try
        {
            await _store.RetryJobAsync(retry, CancellationToken.None).ConfigureAwait(false);
        }
        catch (AlreadyEnqueuedException exception)
        {
            WorkerLog.RetryAlreadyEnqueued(_logger, retry.JobId, exception.QueueingLock);
            await _store.FinishJobsAsync([new JobCompletion(retry.JobId, JobStatus.Failed, false) { Error = retry.Error, WorkerId = retry.WorkerId }], CancellationToken.None)
                .ConfigureAwait(false);
        }
    }

    /// <summary>Writes one outcome; returns false when it should be tried again.</summary>
    private async Task<bool> TryRecordAsync(long jobId, string operation, int failures, Func<ValueTask> write)
    {
        try
        {
            await write().ConfigureAwait(false);
            if (failures > 0)
            {
                WorkerLog.RecordOutcomeRecovered(_logger, jobId, failures);
            }

            return true;
        }
        catch (Exception exception) when (exception is InvalidOperationException or ArgumentException)
        {
            // The contract's "no such job / not in a status for this": trying again cannot help.
            WorkerLog.RecordOutcomeRejected(_logger, jobId, operation, exception);
            return true;
        }
        catch (Exception exception) when (exception is not OutOfMemoryException)
        {
            if (exception is SchemaUnusableException unusable)
            {
                // The worker stops, and gives up retrying (synchronously): this outcome is abandoned below.
                _onSchemaUnusable(unusable);
            }

            if (_giveUp.IsCancellationRequested)
            {
                WorkerLog.RecordOutcomeAbandoned(_logger, jobId, operation, exception);
                return true;
            }

            WorkerLog.RecordOutcomeFailed(_logger, jobId, operation, failures + 1, exception);
            return false;
        }
    }

    private async Task DelayAsync(TimeSpan delay)
    {
        try
        {
            await Task.Delay(delay, _timeProvider, _giveUp.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Given up: one last attempt.
        }
    }
}
