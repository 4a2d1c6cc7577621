using Microsoft.Extensions.Logging;
using Procrastinate.Diagnostics;
using Procrastinate.Storage;

namespace Procrastinate;

/// <summary>
/// Runs one job: wraps its task in the worker's and the task's middleware, runs it, and decides the outcome to record
/// (success, failure, abort, or a retry per the task's strategy), logging the job's start and end. It knows neither the
/// fetch loop nor the store: the caller records the outcome.
/// </summary>
internal sealed class JobExecutor
{
    private readonly ProcrastinateApp _app;
    private readonly WorkerSettings _settings;
    private readonly Worker? _worker;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly IReadOnlyDictionary<string, object?>? _additionalContext;

    /// <param name="app">The app whose tasks to run.</param>
    /// <param name="settings">The worker's settings: name, queues, middleware, additional context, deletion.</param>
    /// <param name="logger">Where the job's start and end are logged.</param>
    /// <param name="worker">The worker each job's <see cref="JobContext.Worker"/> names, if any.</param>
    public JobExecutor(ProcrastinateApp app, WorkerSettings settings, ILogger logger, Worker? worker)
    {
        _app = app;
        _settings = settings;
        _worker = worker;
        _time = app.TimeProvider;
        _logger = logger;
        _additionalContext = settings.AdditionalContext is { } context
            ? new Dictionary<string, object?>(context, StringComparer.Ordinal)
            : null;
    }

    /// <summary>
    /// Runs the job of <paramref name="running"/> and returns its outcome. Never throws (but for
    /// <see cref="OutOfMemoryException"/>): a fault of the worker's own fails the job rather than leave it doing.
    /// </summary>
    /// <param name="running">The job, with the means to abort it.</param>
    /// <param name="workerId">The worker's id in the store, for the job's log scope.</param>
    public async Task<JobOutcome> RunAsync(RunningJob running, long workerId)
    {
        var job = running.Job;
        using var activity = ProcrastinateInstrumentation.StartRun(job);
        using var scope = _logger.BeginScope(new JobLogScope(job, _settings.Name, workerId));
        var outcome = FailedByWorker(job);
        try
        {
            var startTimestamp = _time.GetTimestamp();
            _app.Tasks.TryGet(job.TaskName, out var task);
            var context = new JobContext(
                _app,
                job,
                task,
                _settings.Name,
                _settings.Queues,
                _time.GetUtcNow(),
                _additionalContext,
                () => running.AbortReason,
                running.CancellationToken)
            {
                Worker = _worker,
            };
            WorkerLog.StartJob(_logger, Call(job));
            Exception? error = null;
            object? result = null;
            try
            {
                if (task is null)
                {
                    throw new TaskNotFoundException(job.TaskName, _app.Tasks.SuggestNames(job.TaskName));
                }

                result = await BuildPipeline(context, task)().ConfigureAwait(false);
            }
            catch (Exception exception)
            {
                error = exception;
            }

            var seconds = _time.GetElapsedTime(startTimestamp).TotalSeconds;
            outcome = Decide(running, task, error, seconds, result);
            ProcrastinateInstrumentation.EndRun(activity, job, outcome, error, seconds);
        }
        catch (Exception exception) when (exception is not OutOfMemoryException)
        {
            // A fault of the worker's own (not of the task): the job fails rather than staying in doing.
            outcome = FailedByWorker(job, exception);
            WorkerLog.JobEnded(_logger, LogLevel.Error, Call(job), "Error", 0, exception);
            ProcrastinateInstrumentation.EndRun(activity, job, outcome, exception, 0);
        }

        return outcome;
    }

    /// <summary>
    /// The outcome of a run the worker gives up on at shutdown because it ignored its abort: a retry when the task's
    /// strategy allows one, else a failure (the run goes on unrecorded until the process ends).
    /// </summary>
    public JobOutcome Abandon(RunningJob running, long workerId, TimeSpan waited)
    {
        var job = running.Job;
        _app.Tasks.TryGet(job.TaskName, out var task);
        var error = new TimeoutException(string.Create(
            System.Globalization.CultureInfo.InvariantCulture,
            $"The job ignored its abort ({running.AbortReason}) for {waited.TotalSeconds:0.###} s; the worker stopped without it."));
        using var scope = _logger.BeginScope(new JobLogScope(job, _settings.Name, workerId));
        return Decide(running, task, error, seconds: 0, result: null);
    }

    /// <summary>
    /// Whether a job whose run lost its worker (found by stalled-job recovery) runs again: the lost run counts as an
    /// attempt, and the task's strategy is asked about a <see cref="WorkerLostException"/>; <see langword="null"/> fails
    /// the job. A job of a task this app does not know (another app's, e.g. a Python worker's, or a name no registry
    /// has) has no strategy here, so it is treated as a task without one: the lost run fails it (Procrastinate 3.9 has
    /// no bound of its own: its recipe retries every stalled job, forever).
    /// </summary>
    public RetryJobParams? RetryAfterLostWorker(Job job) =>
        _app.Tasks.TryGet(job.TaskName, out var task) ? GetRetry(task, job, new WorkerLostException(job.Id, job.WorkerId)) : null;

    /// <summary>Whether this app knows the task named <paramref name="taskName"/>.</summary>
    public bool KnowsTask(string taskName) => _app.Tasks.TryGet(taskName, out _);

    /// <summary>The outcome of a run the worker itself failed: the job fails, with <paramref name="error"/> when known.</summary>
    public JobOutcome FailedByWorker(Job job, Exception? error = null) =>
        JobOutcome.Finished(new JobCompletion(job.Id, JobStatus.Failed, _settings.DeleteJobs == DeleteJobsCondition.Always)
        {
            Error = error is null ? null : JobError.From(error),
            WorkerId = job.WorkerId,
        });

    private Func<ValueTask<object?>> BuildPipeline(JobContext context, TaskDefinition task)
    {
        Func<ValueTask<object?>> next = () => task.Invoke(context);
        next = Wrap(next, task.Middleware, context);
        return Wrap(next, _settings.Middleware, context);

        static Func<ValueTask<object?>> Wrap(
            Func<ValueTask<object?>> inner, IReadOnlyList<JobMiddleware> middleware, JobContext context)
        {
            for (var i = middleware.Count - 1; i >= 0; i--)
            {
                var current = middleware[i];
                var next = inner;
                inner = () => current(context, next);
            }

            return inner;
        }
    }

    private JobOutcome Decide(RunningJob running, TaskDefinition? task, Exception? error, double seconds, object? result)
    {
        var job = running.Job;
        if (error is null)
        {
            if (result is null)
            {
                WorkerLog.JobEnded(_logger, LogLevel.Information, Call(job), "Success", seconds, null);
            }
            else
            {
                WorkerLog.JobSucceededWithResult(_logger, Call(job), "Success", seconds, Bounded(result));
            }

            return Finish(job, JobStatus.Succeeded);
        }

        if (task is null || error is TaskNotFoundException or TaskArgumentsException)
        {
            if (task is null)
            {
                WorkerLog.TaskNotFound(_logger, job.TaskName, job.Id);
            }

            WorkerLog.JobEnded(_logger, LogLevel.Error, Call(job), "Error", seconds, error);
            return Finish(job, JobStatus.Failed, error);
        }

        AbortReason? abortReason = error switch
        {
            JobAbortedException aborted => aborted.Reason ?? running.AbortReason ?? AbortReason.UserRequest,
            OperationCanceledException when running.AbortReason is { } reason => reason,
            _ => null,
        };
        if (abortReason == AbortReason.UserRequest)
        {
            WorkerLog.JobEnded(_logger, LogLevel.Information, Call(job), "Aborted", seconds, null);
            return Finish(job, JobStatus.Aborted);
        }

        var retry = GetRetry(task, job, error);
        if (retry is not null)
        {
            var outcome = abortReason is null ? "Error, to retry" : "Aborted, to retry";
            WorkerLog.JobEnded(_logger, LogLevel.Information, Call(job), outcome, seconds, error);
            return JobOutcome.Retried(retry);
        }

        if (abortReason is not null)
        {
            WorkerLog.JobEnded(_logger, LogLevel.Information, Call(job), "Aborted", seconds, null);
            return Finish(job, JobStatus.Aborted);
        }

        WorkerLog.JobEnded(_logger, LogLevel.Error, Call(job), "Error", seconds, error);
        return Finish(job, JobStatus.Failed, error);
    }

    private RetryJobParams? GetRetry(TaskDefinition task, Job job, Exception error)
    {
        if (task.RetryStrategy is not { } strategy)
        {
            return null;
        }

        try
        {
            if (strategy.GetRetryDecision(error, job) is not { } decision)
            {
                return null;
            }

            var retryAt = decision.ResolveRetryAt(_time.GetUtcNow());
            return new RetryJobParams(job.Id, retryAt, decision.Priority, decision.Queue, decision.Lock)
            {
                Error = JobError.From(error),
                WorkerId = job.WorkerId,
            };
        }
        catch (Exception exception) when (exception is not OutOfMemoryException)
        {
            WorkerLog.RetryStrategyFailed(_logger, task.Name, job.Id, exception);
            return null;
        }
    }

    private JobOutcome Finish(Job job, JobStatus status, Exception? error = null)
    {
        var delete = _settings.DeleteJobs switch
        {
            DeleteJobsCondition.Always => true,
            DeleteJobsCondition.Successful => status == JobStatus.Succeeded,
            _ => false,
        };
        // Fenced by the worker that fetched the job: once stalled-job recovery gave the job back, this outcome is dropped.
        return JobOutcome.Finished(new JobCompletion(job.Id, status, delete)
        {
            Error = error is null ? null : JobError.From(error),
            WorkerId = job.WorkerId,
        });
    }

    /// <summary>
    /// A task's result as its end line shows it: its invariant-culture text, cut to at most
    /// <see cref="WorkerSettings.LogArgumentsMaxLength"/> characters (with the full length noted), like the arguments.
    /// </summary>
    private string Bounded(object result)
    {
        string text;
        try
        {
            text = result as string ?? Convert.ToString(result, System.Globalization.CultureInfo.InvariantCulture) ?? "";
        }
        catch (Exception exception) when (exception is not OutOfMemoryException)
        {
            return $"<{result.GetType().Name}.ToString() threw {exception.GetType().Name}>";
        }

        var max = _settings.LogArgumentsMaxLength;
        if (text.Length <= max)
        {
            return text;
        }

        if (max > 0 && char.IsHighSurrogate(text[max - 1]))
        {
            max--;
        }

        return string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{text.AsSpan(0, max)}… {text.Length} characters");
    }

    /// <summary>The job as log lines show it: task, id and at most <see cref="WorkerSettings.LogArgumentsMaxLength"/> characters of its arguments.</summary>
    private string Call(Job job)
    {
        var max = _settings.LogArgumentsMaxLength;
        if (max > 0 && max < job.Args.Length && char.IsHighSurrogate(job.Args[max - 1]))
        {
            max--;
        }

        return job.Args.Length <= _settings.LogArgumentsMaxLength
            ? job.CallString
            : string.Create(
                System.Globalization.CultureInfo.InvariantCulture,
                $"{job.TaskName}[{job.Id}]({job.Args.AsSpan(0, max)}… {job.Args.Length} characters)");
    }
}
