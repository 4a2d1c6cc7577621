using System.ComponentModel;

namespace Procrastinate;

/// <summary>
/// Per-job overrides of a task's defaults, as Procrastinate's <c>configure()</c>. Unset values keep the task's.
/// </summary>
public sealed record DeferOptions
{
    /// <summary>The queue used when neither the task nor the options name one.</summary>
    public const string DefaultQueue = "default";

    /// <summary>The longest queue name, in UTF-8 bytes: the NOTIFY channel <c>procrastinate_queue_v1#&lt;queue&gt;</c> must stay under 64 bytes.</summary>
    public const int MaxQueueNameBytes = Storage.JobRules.MaxQueueNameBytes;

    /// <summary>No options.</summary>
    public static DeferOptions None { get; } = new();

    /// <summary>The lock; <see langword="null"/> keeps the task's.</summary>
    public string? Lock { get; init; }

    /// <summary>The queueing lock; <see langword="null"/> keeps the task's.</summary>
    public string? QueueingLock { get; init; }

    /// <summary>Do not run before this time. Mutually exclusive with <see cref="ScheduleIn"/>.</summary>
    public DateTimeOffset? ScheduleAt { get; init; }

    /// <summary>Do not run before this delay has passed. Mutually exclusive with <see cref="ScheduleAt"/>.</summary>
    public TimeSpan? ScheduleIn { get; init; }

    /// <summary>The priority; <see langword="null"/> keeps the task's.</summary>
    public int? Priority { get; init; }

    /// <summary>The queue; <see langword="null"/> keeps the task's (an empty name is refused).</summary>
    public string? Queue { get; init; }

    /// <summary>
    /// When the queueing lock is taken, do not throw <see cref="AlreadyEnqueuedException"/>: the defer returns the id
    /// of the waiting job that holds the lock (the command line's <c>--ignore-already-enqueued</c>). Not for batches
    /// nor inside a caller's transaction, where the failed insert would abort the transaction.
    /// </summary>
    public bool IgnoreAlreadyEnqueued { get; init; }

    /// <summary>Creates options and checks them (<see cref="Validate"/>); each task's generated <c>Configure</c> calls this.</summary>
    /// <param name="lock">No two jobs with the same lock run at once.</param>
    /// <param name="queueingLock">At most one waiting job per queueing lock.</param>
    /// <param name="scheduleAt">Do not run before this time.</param>
    /// <param name="scheduleIn">Do not run before this delay has passed.</param>
    /// <param name="priority">Higher runs first.</param>
    /// <param name="queue">The queue.</param>
    /// <param name="ignoreAlreadyEnqueued">When the queueing lock is taken, do not throw: return the id of the waiting job that holds it.</param>
    /// <exception cref="ArgumentException">Both schedules, a negative delay, or a queue name or lock that breaks <see cref="Storage.JobRules"/>.</exception>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public static DeferOptions Create(
        string? @lock = null,
        string? queueingLock = null,
        DateTimeOffset? scheduleAt = null,
        TimeSpan? scheduleIn = null,
        int? priority = null,
        string? queue = null,
        bool ignoreAlreadyEnqueued = false)
    {
        var options = new DeferOptions
        {
            Lock = @lock,
            QueueingLock = queueingLock,
            ScheduleAt = scheduleAt,
            ScheduleIn = scheduleIn,
            Priority = priority,
            Queue = queue,
            IgnoreAlreadyEnqueued = ignoreAlreadyEnqueued,
        };
        options.Validate();
        return options;
    }

    /// <summary>Checks the options on their own, before anything reaches a store.</summary>
    /// <exception cref="ArgumentException">Both schedules, a negative delay, or a queue name or lock that breaks <see cref="Storage.JobRules"/>.</exception>
    public void Validate()
    {
        if (ScheduleAt is not null && ScheduleIn is not null)
        {
            throw new ArgumentException("Set either scheduleAt or scheduleIn, not both.", nameof(ScheduleIn));
        }

        if (ScheduleIn < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(ScheduleIn), ScheduleIn, "The delay cannot be negative.");
        }

        if (Queue is not null)
        {
            ValidateQueueName(Queue, nameof(Queue));
        }

        Storage.JobRules.ValidateLock(Lock, "lock", nameof(Lock));
        Storage.JobRules.ValidateLock(QueueingLock, "queueing lock", nameof(QueueingLock));
    }

    /// <summary>Checks a queue name by <see cref="Storage.JobRules.ValidateQueueName"/>.</summary>
    /// <exception cref="ArgumentException">The queue name cannot be used.</exception>
    public static void ValidateQueueName(string queue, string? paramName = null) => Storage.JobRules.ValidateQueueName(queue, paramName);
}
