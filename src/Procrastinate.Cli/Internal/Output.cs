using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Procrastinate.Storage;

namespace Procrastinate.Cli.Internal;

/// <summary>How jobs, counts and tasks are printed: Procrastinate's shell lines, or JSON for scripts.</summary>
internal static class Output
{
    /// <summary><c>#id task on queue - [status]</c>, with details as Procrastinate's <c>list_jobs details</c>.</summary>
    public static string JobLine(Job job, bool details)
    {
        var line = new StringBuilder()
            .Append(CultureInfo.InvariantCulture, $"#{job.Id} {job.TaskName} on {job.Queue} - [{job.Status.ToName()}]");
        if (details)
        {
            line.Append(CultureInfo.InvariantCulture, $" (attempts={job.Attempts}, priority={job.Priority}, ")
                .Append(CultureInfo.InvariantCulture, $"scheduled_at={Timestamp(job.ScheduledAt) ?? "null"}, args={job.Args}, ")
                .Append(CultureInfo.InvariantCulture, $"lock={job.Lock ?? "null"}, queueing_lock={job.QueueingLock ?? "null"}, ")
                .Append(CultureInfo.InvariantCulture, $"abort_requested={(job.AbortRequested ? "true" : "false")}, ")
                .Append(CultureInfo.InvariantCulture, $"worker_id={job.WorkerId?.ToString(CultureInfo.InvariantCulture) ?? "null"})");
        }

        return line.ToString();
    }

    /// <summary><c>name: N jobs (todo: a, doing: b, succeeded: c, failed: d, cancelled: e, aborted: f)</c>.</summary>
    public static string CountsLine(JobCounts counts) => string.Create(
        CultureInfo.InvariantCulture,
        $"{counts.Name}: {counts.Total} jobs (todo: {counts.Todo}, doing: {counts.Doing}, succeeded: {counts.Succeeded}, " +
        $"failed: {counts.Failed}, cancelled: {counts.Cancelled}, aborted: {counts.Aborted})");

    /// <summary>One registered task: name, aliases and defaults.</summary>
    public static string TaskLine(TaskDefinition task)
    {
        var line = new StringBuilder(task.Name).Append(CultureInfo.InvariantCulture, $" (queue {task.Queue}");
        if (task.Aliases.Count > 0)
        {
            line.Append(", aliases ").Append(string.Join(", ", task.Aliases));
        }

        if (task.Priority != 0)
        {
            line.Append(CultureInfo.InvariantCulture, $", priority {task.Priority}");
        }

        if (task.Lock is not null)
        {
            line.Append(", lock ").Append(task.Lock);
        }

        if (task.QueueingLock is not null)
        {
            line.Append(", queueing lock ").Append(task.QueueingLock);
        }

        if (task.RetryStrategy is not null)
        {
            line.Append(", retried");
        }

        if (task.Periodic.Count > 0)
        {
            line.Append(", periodic ").Append(string.Join(" | ", task.Periodic.Select(p => p.Cron)));
        }

        return line.Append(')').ToString();
    }

    public static string Json(Action<Utf8JsonWriter> write)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            write(writer);
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    public static void WriteJob(Utf8JsonWriter writer, Job job)
    {
        writer.WriteStartObject();
        writer.WriteNumber("id", job.Id);
        writer.WriteString("queue", job.Queue);
        writer.WriteString("task", job.TaskName);
        writer.WriteString("status", job.Status.ToName());
        writer.WriteNumber("priority", job.Priority);
        writer.WriteString("lock", job.Lock);
        writer.WriteString("queueing_lock", job.QueueingLock);
        writer.WritePropertyName("args");
        writer.WriteRawValue(job.Args);
        writer.WriteString("scheduled_at", Timestamp(job.ScheduledAt));
        writer.WriteNumber("attempts", job.Attempts);
        writer.WriteBoolean("abort_requested", job.AbortRequested);
        if (job.WorkerId is { } workerId)
        {
            writer.WriteNumber("worker_id", workerId);
        }
        else
        {
            writer.WriteNull("worker_id");
        }

        writer.WriteEndObject();
    }

    /// <summary><c>2026-03-01T12:00:00+00:00 deferred</c>: when, then the event type.</summary>
    public static string EventLine(JobEvent jobEvent) => $"{Timestamp(jobEvent.At)} {jobEvent.Type}";

    public static void WriteEvent(Utf8JsonWriter writer, JobEvent jobEvent)
    {
        writer.WriteStartObject();
        writer.WriteString("type", jobEvent.Type);
        writer.WriteString("at", Timestamp(jobEvent.At));
        writer.WriteEndObject();
    }

    public static void WriteCounts(Utf8JsonWriter writer, JobCounts counts)
    {
        writer.WriteStartObject();
        writer.WriteString("name", counts.Name);
        writer.WriteNumber("jobs_count", counts.Total);
        writer.WriteNumber("todo", counts.Todo);
        writer.WriteNumber("doing", counts.Doing);
        writer.WriteNumber("succeeded", counts.Succeeded);
        writer.WriteNumber("failed", counts.Failed);
        writer.WriteNumber("cancelled", counts.Cancelled);
        writer.WriteNumber("aborted", counts.Aborted);
        writer.WriteEndObject();
    }

    public static void WriteTask(Utf8JsonWriter writer, TaskDefinition task)
    {
        writer.WriteStartObject();
        writer.WriteString("name", task.Name);
        writer.WriteStartArray("aliases");
        foreach (var alias in task.Aliases)
        {
            writer.WriteStringValue(alias);
        }

        writer.WriteEndArray();
        writer.WriteString("queue", task.Queue);
        writer.WriteNumber("priority", task.Priority);
        writer.WriteString("lock", task.Lock);
        writer.WriteString("queueing_lock", task.QueueingLock);
        writer.WriteBoolean("retried", task.RetryStrategy is not null);
        writer.WriteStartArray("periodic");
        foreach (var schedule in task.Periodic)
        {
            writer.WriteStringValue(schedule.Cron);
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
    }

    private static string? Timestamp(DateTimeOffset? value) =>
        value?.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFzzz", CultureInfo.InvariantCulture);
}
