namespace Procrastinate;

/// <summary>
/// Threads of the worker's own on which jobs start, at most <see cref="WorkerOptions.Concurrency"/> of them, created
/// when first needed. A job runs on its thread until its body first yields (an async body then goes on on the thread
/// pool); a synchronous body runs there whole. So <c>Concurrency</c> blocking bodies run side by side whatever the
/// thread pool holds: at most that many jobs run, and each blocks at most one of these threads.
/// </summary>
/// <remarks>
/// Plain threads, not a <see cref="TaskScheduler"/>: a job's awaits must not capture this as their scheduler, so
/// that <see cref="TaskScheduler.Current"/> stays the default inside tasks. The threads are background threads: a
/// run the worker gave up on at shutdown does not keep the process alive.
/// </remarks>
internal sealed class JobThreads : IDisposable
{
    private readonly Queue<Action> _queue = new();
    private readonly int _max;
    private readonly string _name;
    // Set by the job thread that ends the last start, with no lock held: the fetch loop waiting on it goes on there.
    private readonly WakeSignal _noneStarting = new(wakeInline: true);
    private int _starting;
    private int _threads;
    private int _idle;
    private int _waking;
    private bool _completed;

    /// <param name="max">The most threads (the worker's concurrency).</param>
    /// <param name="workerName">Names the threads.</param>
    public JobThreads(int max, string workerName)
    {
        _max = max;
        _name = "Procrastinate job thread (" + workerName + ")";
    }

    /// <summary>
    /// Starts posted and not yet returned: waiting for a thread, or running the synchronous part of their job (a job that
    /// ends without yielding ends there). Each such job will, soon or late, either end or yield its thread.
    /// </summary>
    public int Starting => Volatile.Read(ref _starting);

    /// <summary>
    /// Waits until <see cref="Starting"/> has dropped to zero (or did since the last wait), <paramref name="timeout"/>
    /// elapses, or <paramref name="cancellationToken"/> fires; never throws on cancellation.
    /// </summary>
    public Task WaitUntilNoneStartingAsync(TimeSpan timeout, TimeProvider timeProvider, CancellationToken cancellationToken) =>
        _noneStarting.WaitAsync(timeout, timeProvider, cancellationToken);

    /// <summary>Starts <paramref name="run"/> on a job thread; the task completes with the task it returns.</summary>
    public Task Run(Func<Task> run)
    {
        // Its one continuation is Unwrap's, which only hooks the returned task up: run inline, not as a thread-pool item
        // per job.
        var started = new TaskCompletionSource<Task>();
        Interlocked.Increment(ref _starting);
        try
        {
            Post(() =>
            {
                try
                {
                    started.SetResult(run());
                }
                catch (Exception exception)
                {
                    started.SetException(exception);
                }
                finally
                {
                    if (Interlocked.Decrement(ref _starting) == 0)
                    {
                        _noneStarting.Set();
                    }
                }
            });
        }
        catch (ObjectDisposedException)
        {
            Interlocked.Decrement(ref _starting);
            throw;
        }
        return started.Task.Unwrap();
    }

    /// <summary>Lets the threads end once the queued starts are done.</summary>
    public void Dispose()
    {
        lock (_queue)
        {
            _completed = true;
            Monitor.PulseAll(_queue);
        }
    }

    private void Post(Action action)
    {
        lock (_queue)
        {
            ObjectDisposedException.ThrowIf(_completed, this);
            _queue.Enqueue(action);
            if (WakeOneIfNoneWaking())
            {
                return;
            }
        }

        StartThread();
    }

    /// <summary>
    /// Under the lock, with starts queued: unless a thread is already on its way to take one (it passes the baton on when
    /// it takes its start, see <see cref="Loop"/>), wakes an idle thread. Returns false when a new thread must be started
    /// instead (counted already). One wake-up at a time, not one per start: the threads already awake run short jobs one
    /// after the other, while blocking ones still each get a thread, one wake-up after the other.
    /// </summary>
    private bool WakeOneIfNoneWaking()
    {
        if (_waking > 0)
        {
            return true;
        }

        if (_idle > 0)
        {
            _waking++;
            Monitor.Pulse(_queue);
            return true;
        }

        if (_threads >= _max)
        {
            // Every thread is busy with a job that is about to yield or end: the start waits for one.
            return true;
        }

        _threads++;
        _waking++;
        return false;
    }

    private void StartThread() => new Thread(Loop) { IsBackground = true, Name = _name }.Start();

    private void Loop()
    {
        // A thread starts as one on its way to a start (counted in _waking by whoever started it).
        var waking = true;
        while (true)
        {
            Action action;
            var startAnother = false;
            lock (_queue)
            {
                if (waking)
                {
                    _waking--;
                    waking = false;
                }

                while (_queue.Count == 0)
                {
                    if (_completed)
                    {
                        _threads--;
                        return;
                    }

                    _idle++;
                    Monitor.Wait(_queue);
                    _idle--;

                    // Woken by a pulse, which counted this thread as on its way (or by Dispose's PulseAll).
                    if (_waking > 0)
                    {
                        _waking--;
                    }
                }

                action = _queue.Dequeue();

                // More starts wait: hand the baton on before running this one, which may block.
                startAnother = _queue.Count > 0 && !WakeOneIfNoneWaking();
            }

            if (startAnother)
            {
                StartThread();
            }

            action();
        }
    }
}
