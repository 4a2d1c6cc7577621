using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Globalization;
using Procrastinate.Storage;

namespace Procrastinate.Diagnostics;

/// <summary>
/// Tracing and metrics, with <see cref="System.Diagnostics"/> only: an <see cref="ActivitySource"/> and a
/// <see cref="Meter"/> both named <see cref="Name"/>. Subscribe with OpenTelemetry
/// (<c>AddSource("Procrastinate")</c>, <c>AddMeter("Procrastinate")</c>) or any <see cref="ActivityListener"/> /
/// <see cref="MeterListener"/>; with no subscriber nothing is recorded and nothing is allocated.
/// </summary>
/// <remarks>
/// <para>
/// Spans follow the OpenTelemetry messaging conventions: one producer span <c>defer {queue}</c> per defer call
/// (<c>messaging.operation.type</c> <c>send</c>) and one consumer span <c>process {queue}</c> per run of a job
/// (<c>process</c>), with <c>messaging.system</c> <c>procrastinate</c>, <c>messaging.destination.name</c> the queue,
/// <c>messaging.message.id</c> the job id, and <c>procrastinate.task.name</c>, <c>procrastinate.job.attempts</c>,
/// <c>procrastinate.job.outcome</c>; failures set <c>error.type</c> and an error status.
/// </para>
/// <para>
/// A run's span continues the trace of the span that deferred the job when the store kept that span's context
/// (<see cref="Job.TraceParent"/>): it is the run's parent and a link. Procrastinate's schema has no column for it,
/// so the PostgreSQL store keeps it only when asked to, in a table of its own (see <c>docs/hosting.md</c>).
/// </para>
/// </remarks>
public static class ProcrastinateInstrumentation
{
    /// <summary>The name of the activity source and of the meter.</summary>
    public const string Name = "Procrastinate";

    /// <summary>The value of <c>messaging.system</c>.</summary>
    public const string MessagingSystem = "procrastinate";

    /// <summary>Jobs deferred (counter, <c>{job}</c>).</summary>
    public const string JobsDeferred = "procrastinate.jobs.deferred";

    /// <summary>Runs started (counter, <c>{job}</c>).</summary>
    public const string JobsStarted = "procrastinate.jobs.started";

    /// <summary>Runs that succeeded (counter, <c>{job}</c>).</summary>
    public const string JobsSucceeded = "procrastinate.jobs.succeeded";

    /// <summary>Runs that failed for good (counter, <c>{job}</c>).</summary>
    public const string JobsFailed = "procrastinate.jobs.failed";

    /// <summary>Runs that failed and were scheduled again (counter, <c>{job}</c>).</summary>
    public const string JobsRetried = "procrastinate.jobs.retried";

    /// <summary>Runs that ended aborted (counter, <c>{job}</c>).</summary>
    public const string JobsAborted = "procrastinate.jobs.aborted";

    /// <summary>
    /// Outcomes a store dropped because the job no longer ran on the worker that recorded them (counter,
    /// <c>{job}</c>): stalled-job recovery had given it back (see <see cref="Storage.JobCompletion.WorkerId"/>).
    /// </summary>
    public const string OutcomesDropped = "procrastinate.outcomes.dropped";

    /// <summary>How long runs took, by outcome (histogram, seconds).</summary>
    public const string JobDuration = "procrastinate.job.duration";

    /// <summary>How long defer calls took, successful or not (histogram, seconds).</summary>
    public const string DeferDuration = "procrastinate.defer.duration";

    private const string TaskNameTag = "procrastinate.task.name";
    private const string OutcomeTag = "procrastinate.job.outcome";
    private const string AlreadyDeferredTag = "procrastinate.periodic.already_deferred";

    private static readonly string? Version =
        typeof(ProcrastinateInstrumentation).Assembly.GetName().Version?.ToString(3);

    private static readonly ActivitySource Source = new(Name, Version);
    private static readonly Meter Meter = new(Name, Version);

    private static readonly Counter<long> Deferred = Meter.CreateCounter<long>(JobsDeferred, "{job}", "Jobs deferred.");
    private static readonly Counter<long> Started = Meter.CreateCounter<long>(JobsStarted, "{job}", "Runs started.");
    private static readonly Counter<long> Succeeded = Meter.CreateCounter<long>(JobsSucceeded, "{job}", "Runs that succeeded.");
    private static readonly Counter<long> Failed = Meter.CreateCounter<long>(JobsFailed, "{job}", "Runs that failed for good.");
    private static readonly Counter<long> Retried = Meter.CreateCounter<long>(JobsRetried, "{job}", "Runs that failed and were scheduled again.");
    private static readonly Counter<long> Aborted = Meter.CreateCounter<long>(JobsAborted, "{job}", "Runs that ended aborted.");
    private static readonly Counter<long> Dropped = Meter.CreateCounter<long>(
        OutcomesDropped, "{job}", "Outcomes dropped: the job no longer ran on the worker that recorded them.");
    private static readonly Histogram<double> RunDuration = Meter.CreateHistogram<double>(JobDuration, "s", "How long runs took.");
    private static readonly Histogram<double> DeferCallDuration = Meter.CreateHistogram<double>(DeferDuration, "s", "How long defer calls took.");

    /// <summary>
    /// Starts the span of a defer call and returns the jobs to insert, stamped with its trace context when the span
    /// is recorded.
    /// </summary>
    internal static DeferScope StartDefer(IReadOnlyList<JobToDefer> jobs)
    {
        var first = jobs[0];
        var activity = Source.HasListeners() ? Source.StartActivity("defer " + first.Queue, ActivityKind.Producer) : null;
        if (activity is null)
        {
            return new DeferScope(null, jobs, Stopwatch.GetTimestamp());
        }

        SetCommonTags(activity, first.Queue, first.TaskName, "defer", "send");
        if (jobs.Count > 1)
        {
            activity.SetTag("messaging.batch.message_count", jobs.Count);
        }

        if (activity.IdFormat == ActivityIdFormat.W3C)
        {
            var traceParent = activity.Id;
            var traceState = activity.TraceStateString;
            jobs = jobs.Select(job => job with { TraceParent = traceParent, TraceState = traceState }).ToList();
        }

        return new DeferScope(activity, jobs, Stopwatch.GetTimestamp());
    }

    /// <summary>Starts the span of one run of <paramref name="job"/> and counts the start.</summary>
    internal static Activity? StartRun(Job job)
    {
        Started.Add(1, Tags(job.Queue, job.TaskName));
        if (!Source.HasListeners())
        {
            return null;
        }

        ActivityLink[]? links = null;
        var parent = default(ActivityContext);
        if (job.TraceParent is { } traceParent
            && ActivityContext.TryParse(traceParent, job.TraceState, isRemote: true, out var deferredBy))
        {
            parent = deferredBy;
            links = [new ActivityLink(deferredBy)];
        }

        var activity = Source.StartActivity("process " + job.Queue, ActivityKind.Consumer, parent, tags: null, links);
        if (activity is not null)
        {
            SetCommonTags(activity, job.Queue, job.TaskName, "process", "process");
            activity.SetTag("messaging.message.id", job.Id.ToString(CultureInfo.InvariantCulture));
            activity.SetTag("procrastinate.job.attempts", job.Attempts);
        }

        return activity;
    }

    /// <summary>Records how a run ended: its counter, its duration and the end of its span.</summary>
    internal static void EndRun(Activity? activity, Job job, JobOutcome outcome, Exception? error, double seconds)
    {
        var (counter, name) = outcome.Retry is not null
            ? (Retried, "retried")
            : outcome.Finish!.Value.Status switch
            {
                JobStatus.Succeeded => (Succeeded, "succeeded"),
                JobStatus.Aborted => (Aborted, "aborted"),
                _ => (Failed, "failed"),
            };
        var tags = Tags(job.Queue, job.TaskName);
        counter.Add(1, tags);
        tags.Add(OutcomeTag, name);
        RunDuration.Record(seconds, tags);
        if (activity is null)
        {
            return;
        }

        activity.SetTag(OutcomeTag, name);
        if (error is not null)
        {
            SetError(activity, error);
        }
    }

    /// <summary>
    /// Counts a run that lost its worker (found by stalled-job recovery) as retried or failed, with
    /// <c>error.type</c> naming <see cref="WorkerLostException"/>. There is no span: the run's own span died with it.
    /// </summary>
    internal static void WorkerLost(Job job, JobStatus status)
    {
        var tags = Tags(job.Queue, job.TaskName);
        tags.Add("error.type", typeof(WorkerLostException).FullName);
        (status == JobStatus.Todo ? Retried : Failed).Add(1, tags);
    }

    /// <summary>Counts an outcome a store dropped (see <see cref="OutcomesDropped"/>).</summary>
    internal static void OutcomeDropped() => Dropped.Add(1);

    private static void SetCommonTags(Activity activity, string queue, string taskName, string operation, string operationType)
    {
        activity.SetTag("messaging.system", MessagingSystem);
        activity.SetTag("messaging.destination.name", queue);
        activity.SetTag("messaging.operation.name", operation);
        activity.SetTag("messaging.operation.type", operationType);
        activity.SetTag(TaskNameTag, taskName);
    }

    private static void SetError(Activity activity, Exception error)
    {
        var type = error.GetType().FullName ?? error.GetType().Name;
        activity.SetTag("error.type", type);
        activity.SetStatus(ActivityStatusCode.Error, error.Message);
        activity.AddEvent(new ActivityEvent("exception", tags: new ActivityTagsCollection
        {
            ["exception.type"] = type,
            ["exception.message"] = error.Message,
            ["exception.stacktrace"] = error.ToString(),
        }));
    }

    private static TagList Tags(string queue, string taskName) => new()
    {
        { "messaging.system", MessagingSystem },
        { "messaging.destination.name", queue },
        { TaskNameTag, taskName },
    };

    /// <summary>One defer call being measured; dispose it once the store answered.</summary>
    internal readonly struct DeferScope : IDisposable
    {
        private readonly Activity? _activity;
        private readonly long _startTimestamp;

        public DeferScope(Activity? activity, IReadOnlyList<JobToDefer> jobs, long startTimestamp)
        {
            _activity = activity;
            Jobs = jobs;
            _startTimestamp = startTimestamp;
        }

        /// <summary>The jobs to insert, with the span's trace context when it is recorded.</summary>
        public IReadOnlyList<JobToDefer> Jobs { get; }

        /// <summary>Counts the deferred jobs and names the job on the span.</summary>
        public void Succeeded(IReadOnlyList<long> ids)
        {
            Deferred.Add(ids.Count, Tags(Jobs[0].Queue, Jobs[0].TaskName));
            if (ids.Count == 1)
            {
                _activity?.SetTag("messaging.message.id", ids[0].ToString(CultureInfo.InvariantCulture));
            }
        }

        /// <summary>
        /// Tags the span of a periodic tick that another worker had already deferred: the store inserted nothing, and
        /// nothing is counted.
        /// </summary>
        public void AlreadyDeferred() => _activity?.SetTag(AlreadyDeferredTag, true);

        /// <summary>Marks the span as failed.</summary>
        public void Failed(Exception error)
        {
            if (_activity is not null)
            {
                SetError(_activity, error);
            }
        }

        public void Dispose()
        {
            DeferCallDuration.Record(Stopwatch.GetElapsedTime(_startTimestamp).TotalSeconds, Tags(Jobs[0].Queue, Jobs[0].TaskName));
            _activity?.Dispose();
        }
    }
}
