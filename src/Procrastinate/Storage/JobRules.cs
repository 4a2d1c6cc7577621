using System.Text;

namespace Procrastinate.Storage;

/// <summary>
/// The limits of a job's values, checked in this one place by the app, the command line and every store, before
/// anything is written (see <c>docs/limits-and-validation.md</c>). Messages name the value's role, never the whole
/// value (a queue or lock may be long or hold terminal escapes).
/// </summary>
public static class JobRules
{
    /// <summary>The longest queue name, in UTF-8 bytes: the NOTIFY channel <c>procrastinate_queue_v1#&lt;queue&gt;</c> must stay under 64 bytes.</summary>
    public const int MaxQueueNameBytes = 40;

    /// <summary>The longest task name, in characters (the column is <c>varchar(128)</c>).</summary>
    public const int MaxTaskNameLength = 128;

    /// <summary>
    /// The longest lock or queueing lock, in UTF-8 bytes: both are keys of unique indexes, whose rows PostgreSQL caps
    /// at about 2,700 bytes; 1,024 leaves room and fits any realistic key.
    /// </summary>
    public const int MaxLockBytes = 1024;

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>
    /// Checks a queue name: not empty or blank, no control character (NUL, newline, escape, ...), valid UTF-16, at most
    /// <see cref="MaxQueueNameBytes"/> UTF-8 bytes.
    /// </summary>
    /// <exception cref="ArgumentException">The queue name cannot be used.</exception>
    public static void ValidateQueueName(string? queue, string? paramName = null)
    {
        CheckText(queue, "queue name", paramName, allowControl: false, MaxQueueNameBytes);
    }

    /// <summary>Checks a task name: not empty or blank, no control character, valid UTF-16, at most <see cref="MaxTaskNameLength"/> characters.</summary>
    /// <exception cref="ArgumentException">The task name cannot be used.</exception>
    public static void ValidateTaskName(string? taskName, string? paramName = null)
    {
        CheckText(taskName, "task name", paramName, allowControl: false, maxBytes: int.MaxValue);
        if (taskName!.Length > MaxTaskNameLength)
        {
            throw new ArgumentException($"The task name is {taskName.Length} characters long; the limit is {MaxTaskNameLength}.", paramName);
        }
    }

    /// <summary>
    /// Checks a lock or queueing lock: <see langword="null"/> (none) or not empty, no NUL, valid UTF-16, at most
    /// <see cref="MaxLockBytes"/> UTF-8 bytes.
    /// </summary>
    /// <param name="value">The lock.</param>
    /// <param name="role">"lock" or "queueing lock", for the message.</param>
    /// <param name="paramName">The parameter the exception names.</param>
    /// <exception cref="ArgumentException">The lock cannot be used.</exception>
    public static void ValidateLock(string? value, string role, string? paramName = null)
    {
        if (value is not null)
        {
            CheckText(value, role, paramName, allowControl: true, MaxLockBytes);
        }
    }

    /// <summary>Checks every value of <paramref name="job"/>, as each store does before writing it.</summary>
    /// <exception cref="ArgumentException">A value cannot be used; the message names which.</exception>
    public static void Validate(JobToDefer job, string? paramName = null)
    {
        ArgumentNullException.ThrowIfNull(job, paramName);
        ValidateTaskName(job.TaskName, paramName);
        ValidateQueueName(job.Queue, paramName);
        ValidateLock(job.Lock, "lock", paramName);
        ValidateLock(job.QueueingLock, "queueing lock", paramName);
        if (string.IsNullOrWhiteSpace(job.Args))
        {
            throw new ArgumentException("The job arguments are empty; an empty JSON object is {}.", paramName);
        }
    }

    private static void CheckText(string? value, string role, string? paramName, bool allowControl, int maxBytes)
    {
        if (value is null || (allowControl ? value.Length == 0 : string.IsNullOrWhiteSpace(value)))
        {
            throw new ArgumentException(
                allowControl ? $"The {role} is empty; leave it unset (null) for none." : $"The {role} is empty or blank.", paramName);
        }

        if (allowControl ? value.Contains('\0', StringComparison.Ordinal) : value.Any(char.IsControl))
        {
            throw new ArgumentException(
                allowControl ? $"The {role} holds a NUL character." : $"The {role} holds a control character (NUL, newline, escape, ...).", paramName);
        }

        int bytes;
        try
        {
            bytes = StrictUtf8.GetByteCount(value);
        }
        catch (EncoderFallbackException)
        {
            throw new ArgumentException($"The {role} holds a lone UTF-16 surrogate (not valid text).", paramName);
        }

        if (bytes > maxBytes)
        {
            throw new ArgumentException($"The {role} is {bytes} UTF-8 bytes long; the limit is {maxBytes} UTF-8 bytes.", paramName);
        }
    }
}
