namespace Procrastinate;

/// <summary>A job running on this worker, with the means to abort it.</summary>
internal sealed class RunningJob : IDisposable
{
    private readonly CancellationTokenSource _abort = new();
    private int _abortReason = -1;
    private int _outcomeTaken;

    public RunningJob(Job job)
    {
        Job = job;
    }

    public Job Job { get; }

    public CancellationToken CancellationToken => _abort.Token;

    /// <summary>The run, set right after it starts.</summary>
    public Task Completion { get; set; } = Task.CompletedTask;

    /// <summary>Why the job was asked to stop; the first reason given wins.</summary>
    public AbortReason? AbortReason
    {
        get
        {
            var value = Volatile.Read(ref _abortReason);
            return value < 0 ? null : (AbortReason)value;
        }
    }

    /// <summary>Asks the job to stop; returns whether this call was the first to do so.</summary>
    public bool Abort(AbortReason reason)
    {
        if (Interlocked.CompareExchange(ref _abortReason, (int)reason, -1) != -1)
        {
            return false;
        }

        // Cancel off the caller's thread: the task's cancellation callbacks must not run inside a worker loop.
        _ = Task.Run(() =>
        {
            try
            {
                _abort.Cancel();
            }
            catch (ObjectDisposedException)
            {
                // The job ended meanwhile.
            }
            catch (AggregateException)
            {
                // A task's cancellation callback threw; the job itself reports its outcome.
            }
        });
        return true;
    }

    /// <summary>
    /// Claims the right to record this job's outcome; only the first caller gets it: the run when it ends, or the
    /// shutdown that gives up on a run ignoring its abort (the run's own outcome is then dropped).
    /// </summary>
    public bool TakeOutcome() => Interlocked.Exchange(ref _outcomeTaken, 1) == 0;

    public void Dispose() => _abort.Dispose();
}
