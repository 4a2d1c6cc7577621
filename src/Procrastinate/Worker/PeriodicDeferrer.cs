using System.Buffers;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Procrastinate.Diagnostics;
using Procrastinate.Storage;

namespace Procrastinate;

/// <summary>
/// Defers the ticks of every periodic task of an app, as Procrastinate's periodic deferrer: each worker runs one,
/// whatever its queues, and the store claims each (task, periodic id, tick) once, so every tick becomes exactly one
/// job however many workers run. Each job gets the tick's Unix time as argument <c>timestamp</c>.
/// </summary>
/// <remarks>
/// On its first pass a deferrer defers only the latest past tick of each schedule; afterwards every tick since the
/// last one it handled. A tick older than <see cref="ProcrastinateApp.PeriodicMaxDelay"/> is skipped. A taken queueing
/// lock skips the tick; a store failure is logged and the tick retried, with back-off. Nothing here stops a worker.
/// </remarks>
internal sealed partial class PeriodicDeferrer
{
    /// <summary>Wake up this long after a tick, so as never to wake just before it (Procrastinate's margin).</summary>
    internal static readonly TimeSpan Margin = TimeSpan.FromMilliseconds(500);

    /// <summary>The longest sleep: the next tick is looked for this far ahead, and clock changes are caught up.</summary>
    internal static readonly TimeSpan MaxSleep = TimeSpan.FromHours(1);

    private const string TimestampKey = "timestamp";

    private readonly ProcrastinateApp _app;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly TimeSpan _maxDelay;
    private readonly List<Schedule> _schedules = [];

    /// <summary>Reads the periodic schedules of <paramref name="app"/>'s tasks; a schedule that cannot run is logged and left out.</summary>
    public PeriodicDeferrer(ProcrastinateApp app, ILogger logger)
    {
        _app = app;
        _time = app.TimeProvider;
        _logger = logger;
        _maxDelay = app.PeriodicMaxDelay;
        foreach (var task in app.Tasks)
        {
            foreach (var schedule in task.Periodic)
            {
                if (TryCreate(task, schedule) is { } created)
                {
                    _schedules.Add(created);
                }
            }
        }
    }

    /// <summary>How many schedules run.</summary>
    public int ScheduleCount => _schedules.Count;

    /// <summary>Defers due ticks until the worker stops (or its side loops end); never throws.</summary>
    public async Task RunAsync(CancellationToken stopping, CancellationToken cancelled)
    {
        using var either = CancellationTokenSource.CreateLinkedTokenSource(stopping, cancelled);
        await RunAsync(either.Token).ConfigureAwait(false);
    }

    /// <summary>Defers due ticks until <paramref name="cancellationToken"/> fires; never throws otherwise.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        if (_schedules.Count == 0)
        {
            Log.NoPeriodicTask(_logger);
            return;
        }

        var backoff = default(Backoff);
        while (!cancellationToken.IsCancellationRequested)
        {
            TimeSpan delay;
            try
            {
                var now = _time.GetUtcNow();
                if (await DeferDueTicksAsync(now, cancellationToken).ConfigureAwait(false))
                {
                    backoff.Reset();
                    delay = DelayToNextTick(now);
                }
                else
                {
                    delay = backoff.Next();
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception exception) when (exception is not OutOfMemoryException)
            {
                delay = backoff.Next();
                Log.PassFailed(_logger, delay.TotalSeconds, exception);
            }

            try
            {
                await Task.Delay(delay, _time, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>
    /// Defers every tick due at <paramref name="now"/>. Returns <see langword="false"/> when the store failed (the
    /// failed tick and later ones stay due, for the next pass).
    /// </summary>
    internal async ValueTask<bool> DeferDueTicksAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        var oldest = now - _maxDelay;
        foreach (var schedule in _schedules)
        {
            foreach (var tick in DueTicks(schedule, now, oldest))
            {
                if (!await DeferTickAsync(schedule, tick, cancellationToken).ConfigureAwait(false))
                {
                    return false;
                }

                schedule.LastTick = tick;
            }
        }

        return true;
    }

    /// <summary>How long to sleep after a pass at <paramref name="now"/>: until the next tick of any schedule, plus the margin.</summary>
    internal TimeSpan DelayToNextTick(DateTimeOffset now)
    {
        var next = _schedules
            .Select(schedule => schedule.Ticks.Next(now, MaxSleep))
            .Where(tick => tick is not null)
            .Min();
        return next is { } tick ? tick - now + Margin : MaxSleep;
    }

    private IReadOnlyList<DateTimeOffset> DueTicks(Schedule schedule, DateTimeOffset now, DateTimeOffset oldest)
    {
        var tooOld = oldest - TimeSpan.FromTicks(1);
        if (schedule.LastTick is not { } last)
        {
            // First pass: only the latest past tick, as Procrastinate, unless it is too old.
            if (schedule.Ticks.Latest(now) is not { } latest)
            {
                schedule.LastTick = now;
                return [];
            }

            if (latest > tooOld)
            {
                return [latest];
            }

            Log.TickTooOld(_logger, schedule.Task.Name, schedule.PeriodicId, latest.ToUnixTimeSeconds(), _maxDelay.TotalSeconds);
            schedule.LastTick = now;
            return [];
        }

        if (last < tooOld)
        {
            // Ticks missed while the store was down (or the machine asleep) and now too old.
            var skipped = schedule.Ticks.Between(last, tooOld);
            if (skipped.Count > 0)
            {
                Log.TicksTooOld(
                    _logger, schedule.Task.Name, schedule.PeriodicId, skipped.Count, skipped[0].ToUnixTimeSeconds(),
                    skipped[^1].ToUnixTimeSeconds(), _maxDelay.TotalSeconds);
            }

            schedule.LastTick = last = tooOld;
        }

        return schedule.Ticks.Between(last, now);
    }

    /// <summary>Defers one tick; <see langword="false"/> when the store failed and the tick should be tried again.</summary>
    private async ValueTask<bool> DeferTickAsync(Schedule schedule, DateTimeOffset tick, CancellationToken cancellationToken)
    {
        var timestamp = tick.ToUnixTimeSeconds();
        var task = schedule.Task;
        try
        {
            // A defer span as for any defer (a trace of its own: the deferrer runs outside any caller's), whose context
            // the job carries to its run.
            using var scope = ProcrastinateInstrumentation.StartDefer([_app.CreateJob(task, schedule.ArgsAt(timestamp))]);
            try
            {
                var id = await _app.Store.DeferPeriodicJobAsync(scope.Jobs[0], schedule.PeriodicId, timestamp, cancellationToken).ConfigureAwait(false);
                if (id is { } jobId)
                {
                    scope.Succeeded([jobId]);
                    Log.TickDeferred(_logger, task.Name, schedule.PeriodicId, timestamp, jobId);
                }
                else
                {
                    scope.AlreadyDeferred();
                    Log.TickAlreadyDeferred(_logger, task.Name, schedule.PeriodicId, timestamp);
                }
            }
            catch (Exception exception)
            {
                scope.Failed(exception);
                throw;
            }

            return true;
        }
        catch (AlreadyEnqueuedException exception)
        {
            Log.TickSkippedQueueingLock(_logger, task.Name, schedule.PeriodicId, timestamp, exception.QueueingLock);
            return true;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception exception) when (exception is not OutOfMemoryException)
        {
            WorkerLog.StoreCallFailed(_logger, $"Deferring periodic task {task.Name}", 0, exception);
            return false;
        }
    }

    private Schedule? TryCreate(TaskDefinition task, PeriodicSchedule periodic)
    {
        try
        {
            var zone = periodic.TimeZone is { } id ? TimeZoneInfo.FindSystemTimeZoneById(id) : null;
            var ticks = CronTicks.Parse(periodic.Cron, zone);
            var schedule = new Schedule(task, periodic.PeriodicId, ticks, ReadExtraArgs(periodic.Args));

            // Bad extra arguments would fail every job; refuse the schedule up front instead.
            task.ValidateArgs(schedule.ArgsAt(0));
            Log.ScheduleRegistered(_logger, task.Name, periodic.PeriodicId, periodic.Cron, zone?.Id ?? "UTC");
            return schedule;
        }
        catch (Exception exception) when (exception is FormatException or TimeZoneNotFoundException
            or InvalidTimeZoneException or TaskArgumentsException or JsonException)
        {
            Log.ScheduleRejected(_logger, task.Name, periodic.PeriodicId, periodic.Cron, exception.Message, exception);
            return null;
        }
    }

    /// <summary>The members of a schedule's extra arguments object, checked.</summary>
    /// <exception cref="FormatException">Not a JSON object, or it sets <c>timestamp</c>.</exception>
    private static JsonElement? ReadExtraArgs(string? args)
    {
        if (args is null)
        {
            return null;
        }

        using var document = JsonDocument.Parse(args);
        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new FormatException($"Periodic arguments must be a JSON object, not {root.ValueKind}: {args}");
        }

        if (root.TryGetProperty(TimestampKey, out _))
        {
            throw new FormatException("Periodic arguments cannot set 'timestamp': each job gets its tick's.");
        }

        return root.Clone();
    }

    private sealed class Schedule(TaskDefinition task, string periodicId, CronTicks ticks, JsonElement? extraArgs)
    {
        public TaskDefinition Task { get; } = task;

        public string PeriodicId { get; } = periodicId;

        public CronTicks Ticks { get; } = ticks;

        /// <summary>The latest tick handled (deferred, found deferred, or skipped).</summary>
        public DateTimeOffset? LastTick { get; set; }

        /// <summary>The job arguments of a tick: the extra arguments, then <c>timestamp</c>.</summary>
        public string ArgsAt(long timestamp)
        {
            var buffer = new ArrayBufferWriter<byte>();
            using (var writer = new Utf8JsonWriter(buffer))
            {
                writer.WriteStartObject();
                if (extraArgs is { } extra)
                {
                    foreach (var property in extra.EnumerateObject())
                    {
                        property.WriteTo(writer);
                    }
                }

                writer.WriteNumber(TimestampKey, timestamp);
                writer.WriteEndObject();
            }

            return Encoding.UTF8.GetString(buffer.WrittenSpan);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 508, Level = LogLevel.Error,
            Message = "The periodic deferrer failed; trying again in {DelaySeconds:0.0} s")]
        public static partial void PassFailed(ILogger logger, double delaySeconds, Exception exception);

        [LoggerMessage(EventId = 500, Level = LogLevel.Information,
            Message = "No periodic task found; the periodic deferrer will not run")]
        public static partial void NoPeriodicTask(ILogger logger);

        [LoggerMessage(EventId = 501, Level = LogLevel.Debug,
            Message = "Periodic task {TaskName} (periodic id '{PeriodicId}') runs on cron '{Cron}' ({TimeZone})")]
        public static partial void ScheduleRegistered(ILogger logger, string taskName, string periodicId, string cron, string timeZone);

        [LoggerMessage(EventId = 502, Level = LogLevel.Error,
            Message = "Periodic task {TaskName} (periodic id '{PeriodicId}', cron '{Cron}') will not run: {Reason}")]
        public static partial void ScheduleRejected(
            ILogger logger, string taskName, string periodicId, string cron, string reason, Exception exception);

        [LoggerMessage(EventId = 503, Level = LogLevel.Information,
            Message = "Periodic task {TaskName} (periodic id '{PeriodicId}') deferred for timestamp {Timestamp} as job {JobId}")]
        public static partial void TickDeferred(ILogger logger, string taskName, string periodicId, long timestamp, long jobId);

        [LoggerMessage(EventId = 504, Level = LogLevel.Debug,
            Message = "Periodic task {TaskName} (periodic id '{PeriodicId}') already deferred for timestamp {Timestamp}")]
        public static partial void TickAlreadyDeferred(ILogger logger, string taskName, string periodicId, long timestamp);

        [LoggerMessage(EventId = 505, Level = LogLevel.Warning,
            Message = "Periodic task {TaskName} (periodic id '{PeriodicId}') skipped for timestamp {Timestamp}: a job with queueing lock '{QueueingLock}' is already waiting")]
        public static partial void TickSkippedQueueingLock(
            ILogger logger, string taskName, string periodicId, long timestamp, string? queueingLock);

        [LoggerMessage(EventId = 506, Level = LogLevel.Debug,
            Message = "Periodic task {TaskName} (periodic id '{PeriodicId}') not deferred for timestamp {Timestamp}: older than the maximum delay of {MaxDelaySeconds} s")]
        public static partial void TickTooOld(
            ILogger logger, string taskName, string periodicId, long timestamp, double maxDelaySeconds);

        [LoggerMessage(EventId = 507, Level = LogLevel.Warning,
            Message = "Periodic task {TaskName} (periodic id '{PeriodicId}') missed {TickCount} tick(s) from timestamp {FirstTimestamp} to {LastTimestamp}, older than the maximum delay of {MaxDelaySeconds} s; skipped")]
        public static partial void TicksTooOld(
            ILogger logger, string taskName, string periodicId, int tickCount, long firstTimestamp, long lastTimestamp,
            double maxDelaySeconds);
    }
}
