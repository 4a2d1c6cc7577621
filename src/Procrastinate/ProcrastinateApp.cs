using System.Data.Common;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Procrastinate.Diagnostics;
using Procrastinate.Storage;

namespace Procrastinate;

/// <summary>
/// The central object: a store, the registered tasks, logging and time. Generated task handles defer through
/// <see cref="Default"/> unless given an app; workers run jobs of the app's tasks.
/// </summary>
public sealed partial class ProcrastinateApp
{
    private const int MaxIgnoredConflicts = 3;
    private static readonly TimeSpan MaxPeriodicMaxDelay = TimeSpan.FromDays(7);
    private static ProcrastinateApp? _default;

    /// <summary>Creates an app over <paramref name="store"/>.</summary>
    public ProcrastinateApp(IJobStore store, ProcrastinateAppOptions? options = null)
    {
        Store = store ?? throw new ArgumentNullException(nameof(store));
        options ??= new ProcrastinateAppOptions();
        Tasks = options.Tasks;

        // As in Procrastinate, every app knows the builtin tasks (adding them again is a no-op).
        Tasks.AddRange(Generated.ProcrastinateTasks.All);
        LoggerFactory = options.LoggerFactory ?? NullLoggerFactory.Instance;
        TimeProvider = options.TimeProvider ?? TimeProvider.System;
        WorkerDefaults = options.WorkerDefaults;
        PeriodicMaxDelay = options.PeriodicMaxDelay >= TimeSpan.Zero && options.PeriodicMaxDelay <= MaxPeriodicMaxDelay
            ? options.PeriodicMaxDelay
            : throw new ArgumentOutOfRangeException(
                nameof(options), options.PeriodicMaxDelay, $"PeriodicMaxDelay must be between 0 and {MaxPeriodicMaxDelay.TotalDays} days.");
        Logger = LoggerFactory.CreateLogger("Procrastinate");
    }

    /// <summary>
    /// The app that generated handles use when none is given. Set it once at start-up (hosting does this).
    /// </summary>
    /// <exception cref="InvalidOperationException">Read before any app was set.</exception>
    public static ProcrastinateApp Default
    {
        get => Volatile.Read(ref _default) ?? throw new InvalidOperationException(
            "No default ProcrastinateApp is set. Assign ProcrastinateApp.Default at start-up (or call services.AddProcrastinate), or pass an app to the task handle.");
        set => Volatile.Write(ref _default, value ?? throw new ArgumentNullException(nameof(value)));
    }

    /// <summary>Whether <see cref="Default"/> is set.</summary>
    public static bool HasDefault => Volatile.Read(ref _default) is not null;

    /// <summary>The store jobs live in.</summary>
    public IJobStore Store { get; }

    /// <summary>The registered tasks: those of the options, plus the builtin tasks.</summary>
    public TaskRegistry Tasks { get; }

    /// <summary>Where log records go.</summary>
    public ILoggerFactory LoggerFactory { get; }

    /// <summary>The clock.</summary>
    public TimeProvider TimeProvider { get; }

    /// <summary>Worker options that apply under every run's own options.</summary>
    public WorkerOptions? WorkerDefaults { get; }

    /// <summary>A periodic tick older than this is skipped.</summary>
    public TimeSpan PeriodicMaxDelay { get; }

    internal ILogger Logger { get; }

    /// <summary>Defers one job of <paramref name="task"/> and returns its id.</summary>
    /// <param name="task">The task.</param>
    /// <param name="args">The arguments, a JSON object (generated handles write it).</param>
    /// <param name="options">Per-job overrides.</param>
    /// <param name="transaction">An open transaction of the caller's: the job exists only if it commits.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <exception cref="ArgumentException">
    /// Invalid options (see <see cref="DeferOptions.Validate"/>), or <see cref="DeferOptions.IgnoreAlreadyEnqueued"/>
    /// with a transaction.
    /// </exception>
    /// <exception cref="AlreadyEnqueuedException">
    /// The queueing lock is taken (unless <see cref="DeferOptions.IgnoreAlreadyEnqueued"/> is set).
    /// </exception>
    public async ValueTask<long> DeferAsync(
        TaskDefinition task,
        string args,
        DeferOptions? options = null,
        DbTransaction? transaction = null,
        CancellationToken cancellationToken = default)
    {
        var job = CreateJob(task, args, options);
        return await DeferOneAsync(job, options, transaction, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Defers several jobs of <paramref name="task"/> all or nothing, and returns their ids in order.</summary>
    /// <exception cref="ArgumentException">Invalid options, or <see cref="DeferOptions.IgnoreAlreadyEnqueued"/> (single defers only).</exception>
    /// <exception cref="AlreadyEnqueuedException">A queueing lock is taken; nothing was deferred.</exception>
    public async ValueTask<IReadOnlyList<long>> BatchDeferAsync(
        TaskDefinition task,
        IEnumerable<string> args,
        DeferOptions? options = null,
        DbTransaction? transaction = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(args);
        if (options?.IgnoreAlreadyEnqueued == true)
        {
            throw new ArgumentException(
                "IgnoreAlreadyEnqueued applies to single defers only: a batch is all or nothing.", nameof(options));
        }

        var jobs = args.Select(a => CreateJob(task, a, options)).ToList();
        if (jobs.Count == 0)
        {
            return [];
        }

        return await StoreJobsAsync(jobs, transaction, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Defers a job by task name, as the command line does. A registered name (or alias) validates the arguments and
    /// uses the task's defaults; an unknown name is deferred as is only when <paramref name="allowUnknown"/> is set.
    /// </summary>
    /// <exception cref="TaskNotFoundException">Unknown name and <paramref name="allowUnknown"/> is not set.</exception>
    /// <exception cref="TaskArgumentsException">The arguments do not fit the task.</exception>
    /// <exception cref="AlreadyEnqueuedException">
    /// The queueing lock is taken (unless <see cref="DeferOptions.IgnoreAlreadyEnqueued"/> is set).
    /// </exception>
    public async ValueTask<long> DeferByNameAsync(
        string taskName,
        string args,
        DeferOptions? options = null,
        bool allowUnknown = false,
        CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(taskName);
        JobToDefer job;
        if (Tasks.TryGet(taskName, out var task))
        {
            task.ValidateArgs(args);
            job = CreateJob(task, args, options);
        }
        else if (allowUnknown)
        {
            job = CreateJob(taskName, DeferOptions.DefaultQueue, 0, null, null, args, options);
        }
        else
        {
            throw new TaskNotFoundException(taskName, Tasks.SuggestNames(taskName));
        }

        return await DeferOneAsync(job, options, null, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Resolves a task's defaults and <paramref name="options"/> into the row to insert.</summary>
    /// <exception cref="ArgumentException">Invalid options.</exception>
    internal JobToDefer CreateJob(TaskDefinition task, string args, DeferOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(task);
        return CreateJob(task.Name, task.Queue, task.Priority, task.Lock, task.QueueingLock, args, options);
    }

    private JobToDefer CreateJob(
        string taskName,
        string queue,
        int priority,
        string? @lock,
        string? queueingLock,
        string args,
        DeferOptions? options)
    {
        ArgumentNullException.ThrowIfNull(args);
        options ??= DeferOptions.None;
        options.Validate();
        var resolvedQueue = options.Queue ?? queue;
        var scheduledAt = options.ScheduleAt?.ToUniversalTime()
            ?? (options.ScheduleIn is { } delay ? AddSaturating(TimeProvider.GetUtcNow(), delay) : null);
        var job = new JobToDefer(
            taskName,
            resolvedQueue,
            args,
            options.Priority ?? priority,
            options.Lock ?? @lock,
            options.QueueingLock ?? queueingLock,
            scheduledAt);
        JobRules.Validate(job, nameof(options));
        return job;
    }

    private async ValueTask<long> DeferOneAsync(
        JobToDefer job, DeferOptions? options, DbTransaction? transaction, CancellationToken cancellationToken)
    {
        var ignore = options?.IgnoreAlreadyEnqueued == true;
        if (ignore && transaction is not null)
        {
            throw new ArgumentException(
                "IgnoreAlreadyEnqueued cannot be used inside a transaction: the rejected insert would abort it.",
                nameof(options));
        }

        for (var attempt = 1; ; attempt++)
        {
            try
            {
                var ids = await StoreJobsAsync([job], transaction, cancellationToken).ConfigureAwait(false);
                return ids[0];
            }
            catch (AlreadyEnqueuedException) when (ignore && job.QueueingLock is not null)
            {
                var filter = new JobFilter { QueueingLock = job.QueueingLock, Status = JobStatus.Todo };
                var holders = await Store.ListJobsAsync(filter, cancellationToken).ConfigureAwait(false);
                if (holders.Count > 0)
                {
                    Log.AlreadyEnqueuedIgnored(Logger, job.TaskName, job.QueueingLock, holders[0].Id);
                    return holders[0].Id;
                }

                // The holder started between the insert and the look-up, which freed the lock: try again.
                if (attempt == MaxIgnoredConflicts)
                {
                    throw;
                }
            }
        }
    }

    private static DateTimeOffset AddSaturating(DateTimeOffset now, TimeSpan delay) =>
        delay >= DateTimeOffset.MaxValue - now ? DateTimeOffset.MaxValue : now + delay;

    private async ValueTask<IReadOnlyList<long>> StoreJobsAsync(
        IReadOnlyList<JobToDefer> jobs, DbTransaction? transaction, CancellationToken cancellationToken)
    {
        using var scope = ProcrastinateInstrumentation.StartDefer(jobs);
        try
        {
            var ids = await Store.DeferJobsAsync(scope.Jobs, transaction, cancellationToken).ConfigureAwait(false);
            scope.Succeeded(ids);
            Log.JobsDeferred(Logger, ids.Count);
            return ids;
        }
        catch (Exception exception)
        {
            scope.Failed(exception);
            throw;
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1, Level = LogLevel.Debug, Message = "Deferred {JobCount} job(s)")]
        public static partial void JobsDeferred(ILogger logger, int jobCount);

        [LoggerMessage(EventId = 2, Level = LogLevel.Information,
            Message = "Job of task {TaskName} not deferred: queueing lock {QueueingLock} is held by waiting job {JobId} (ignored)")]
        public static partial void AlreadyEnqueuedIgnored(ILogger logger, string taskName, string queueingLock, long jobId);
    }
}
