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
    private int _threads;
    private int _idle;
    private bool _completed;

    public JobThreads(int max, string workerName)
    {
        _max = max;
        _name = "Procrastinate job thread (" + workerName + ")";
    }

    /// <summary>Starts <paramref name="run"/> on a job thread; the task completes with the task it returns.</summary>
    public Task Run(Func<Task> run)
    {
        // Its one continuation is Unwrap's, which only hooks the returned task up: run inline, not as a thread-pool item
        // per job.
        var started = new TaskCompletionSource<Task>();
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
        });
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

            // An idle thread counts as idle until it has woken up and taken its start: compare the queued starts with
            // the idle threads, not just whether one is idle.
            if (_queue.Count <= _idle)
            {
                Monitor.Pulse(_queue);
                return;
            }

            if (_threads >= _max)
            {
                // Every thread is busy with a job that is about to yield or end: the start waits for one.
                return;
            }

            _threads++;
        }

        new Thread(Loop) { IsBackground = true, Name = _name }.Start();
    }

    private void Loop()
    {
        while (true)
        {
            Action action;
            lock (_queue)
            {
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
                }

                action = _queue.Dequeue();
            }

            action();
        }
    }
}
