using System.Text.Json;
using System.Text.Json.Serialization;
using Procrastinate.Storage;

namespace Procrastinate.Dashboard.Internal;

/// <summary>A job as the JSON API shows it.</summary>
internal sealed record JobModel(
    long Id,
    string Queue,
    string Task,
    string Status,
    int Priority,
    string? Lock,
    string? QueueingLock,
    JsonElement Args,
    DateTimeOffset? ScheduledAt,
    int Attempts,
    bool AbortRequested,
    long? WorkerId)
{
    public static JobModel From(Job job)
    {
        using var args = JsonDocument.Parse(job.Args);
        return new JobModel(
            job.Id, job.Queue, job.TaskName, job.Status.ToName(), job.Priority, job.Lock, job.QueueingLock,
            args.RootElement.Clone(), job.ScheduledAt, job.Attempts, job.AbortRequested, job.WorkerId);
    }
}

/// <summary>One page of jobs, newest first; <see cref="NextBefore"/> asks for the next page.</summary>
internal sealed record JobsPageModel(IReadOnlyList<JobModel> Jobs, long? NextBefore);

/// <summary>An event of <c>procrastinate_events</c>.</summary>
internal sealed record EventModel(string Type, DateTimeOffset At);

/// <summary>The error of a failed attempt, when the error extension holds it (details: type, message, inner exceptions, stack).</summary>
internal sealed record ErrorModel(int Attempt, string Type, string Message, string? Details, DateTimeOffset At);

/// <summary>The job page: the job, its events, and its errors or why there are none.</summary>
internal sealed record JobDetailModel(JobModel Job, IReadOnlyList<EventModel> Events, IReadOnlyList<ErrorModel> Errors, string? ErrorsNote);

/// <summary>Job counts by status of one queue, task or lock (or of everything).</summary>
internal sealed record CountsModel(string Name, long Todo, long Doing, long Succeeded, long Failed, long Cancelled, long Aborted, long Total)
{
    public static CountsModel From(JobCounts counts) => new(
        counts.Name, counts.Todo, counts.Doing, counts.Succeeded, counts.Failed, counts.Cancelled, counts.Aborted, counts.Total);
}

/// <summary>Jobs deferred, succeeded and failed in one minute.</summary>
internal sealed record MinuteModel(DateTimeOffset Minute, long Deferred, long Succeeded, long Failed);

/// <summary>The overview: totals, queues, the last hour per minute, workers.</summary>
internal sealed record StatsModel(
    CountsModel Totals,
    IReadOnlyList<CountsModel> Queues,
    IReadOnlyList<MinuteModel> Minutes,
    int Workers,
    int WorkersAlive,
    DateTimeOffset Now);

/// <summary>A registered worker, its heartbeat, and the jobs it runs.</summary>
internal sealed record WorkerModel(long Id, DateTimeOffset LastHeartbeat, bool Alive, IReadOnlyList<JobModel> RunningJobs);

/// <summary>One periodic schedule of a registered task, with its last claimed and next tick.</summary>
internal sealed record PeriodicModel(
    string Task,
    string PeriodicId,
    string Cron,
    string? TimeZone,
    string? Args,
    DateTimeOffset? LastTick,
    long? LastJobId,
    DateTimeOffset? NextTick);

/// <summary>A registered task and its options.</summary>
internal sealed record TaskModel(
    string Name,
    IReadOnlyList<string> Aliases,
    string Queue,
    int Priority,
    string? Lock,
    string? QueueingLock,
    string? Retry,
    IReadOnlyList<string> Periodic);

/// <summary>What an action did: how many jobs changed and how many were left as they were.</summary>
internal sealed record ActionResultModel(string Action, int Done, int Skipped);

/// <summary>The dashboard's settings the page needs.</summary>
internal sealed record ConfigModel(bool ReadOnly, double PollSeconds, int PageSize, string Version);

/// <summary>An error answer.</summary>
internal sealed record ProblemModel(string Error);

/// <summary>The JSON API's serialization, generated at compile time (no reflection).</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(JobsPageModel))]
[JsonSerializable(typeof(JobDetailModel))]
[JsonSerializable(typeof(IReadOnlyList<EventModel>))]
[JsonSerializable(typeof(IReadOnlyList<CountsModel>))]
[JsonSerializable(typeof(StatsModel))]
[JsonSerializable(typeof(IReadOnlyList<WorkerModel>))]
[JsonSerializable(typeof(IReadOnlyList<PeriodicModel>))]
[JsonSerializable(typeof(IReadOnlyList<TaskModel>))]
[JsonSerializable(typeof(ActionResultModel))]
[JsonSerializable(typeof(ConfigModel))]
[JsonSerializable(typeof(ProblemModel))]
internal sealed partial class DashboardJson : JsonSerializerContext;
