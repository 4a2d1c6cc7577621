using System.Globalization;
using Microsoft.AspNetCore.Http;
using Procrastinate.Storage;

namespace Procrastinate.Dashboard.Internal;

/// <summary>The JSON API: every read and every action goes through the store contract, as the command line does.</summary>
internal sealed class DashboardApi(DashboardContext dashboard)
{
    /// <summary>How many jobs an action over a selection reads per query.</summary>
    private const int SelectionPage = 500;

    private static readonly TimeSpan ChartPeriod = TimeSpan.FromHours(1);

    public enum CountsOf
    {
        Queues,
        Tasks,
        Locks,
    }

    private IJobStore Store => dashboard.App.Store;

    public async Task<IResult> StatsAsync(CancellationToken cancellationToken)
    {
        var queues = await Store.ListQueuesAsync(JobFilter.All, cancellationToken).ConfigureAwait(false);
        var minutes = await Store.CountEventsByMinuteAsync(ChartPeriod, cancellationToken).ConfigureAwait(false);
        var workers = await Store.ListWorkersAsync(cancellationToken).ConfigureAwait(false);
        var now = dashboard.App.TimeProvider.GetUtcNow();
        var totals = new CountsModel(
            "all",
            queues.Sum(q => q.Todo),
            queues.Sum(q => q.Doing),
            queues.Sum(q => q.Succeeded),
            queues.Sum(q => q.Failed),
            queues.Sum(q => q.Cancelled),
            queues.Sum(q => q.Aborted),
            queues.Sum(q => q.Total));
        return Json.Ok(
            new StatsModel(
                totals,
                queues.Select(CountsModel.From).ToList(),
                minutes.Select(m => new MinuteModel(m.Minute, m.Deferred, m.Succeeded, m.Failed)).ToList(),
                workers.Count,
                workers.Count(w => IsAlive(w, now)),
                now),
            DashboardJson.Default.StatsModel);
    }

    public async Task<IResult> JobsAsync(IQueryCollection query, CancellationToken cancellationToken)
    {
        if (ReadFilter(query) is not { } filter)
        {
            return Json.Problem(StatusCodes.Status400BadRequest, FilterError(query));
        }

        var size = Math.Clamp(dashboard.Options.PageSize, 1, 500);
        if (query.TryGetValue("limit", out var limitText))
        {
            if (!int.TryParse(limitText, NumberStyles.None, CultureInfo.InvariantCulture, out size) || size is < 1 or > 500)
            {
                return Json.Problem(StatusCodes.Status400BadRequest, "limit must be a whole number from 1 to 500.");
            }
        }

        long? before = null;
        if (query.TryGetValue("before", out var beforeText))
        {
            if (!long.TryParse(beforeText, NumberStyles.None, CultureInfo.InvariantCulture, out var value))
            {
                return Json.Problem(StatusCodes.Status400BadRequest, "before must be a job id.");
            }

            before = value;
        }

        var jobs = await Store.ListJobsAsync(
            filter with { Descending = true, BeforeId = before, Limit = size + 1 },
            cancellationToken).ConfigureAwait(false);
        var page = jobs.Take(size).Select(JobModel.From).ToList();
        return Json.Ok(new JobsPageModel(page, jobs.Count > size ? page[^1].Id : null), DashboardJson.Default.JobsPageModel);
    }

    public async Task<IResult> JobAsync(long id, CancellationToken cancellationToken)
    {
        var job = (await Store.ListJobsAsync(new JobFilter { Id = id }, cancellationToken).ConfigureAwait(false)).FirstOrDefault();
        if (job is null)
        {
            return Json.Problem(StatusCodes.Status404NotFound, $"Job #{Json.Text(id)} does not exist.");
        }

        var events = await Store.ListJobEventsAsync(id, cancellationToken).ConfigureAwait(false);
        var errors = await Store.ListJobErrorsAsync(id, cancellationToken).ConfigureAwait(false);
        return Json.Ok(
            new JobDetailModel(
                JobModel.From(job),
                events.Select(e => new EventModel(e.Type, e.At)).ToList(),
                (errors ?? []).Select(e => new ErrorModel(e.Attempt, e.Error.Type, e.Error.Message, e.Error.Details, e.At)).ToList(),
                ErrorsNote(events, errors)),
            DashboardJson.Default.JobDetailModel);
    }

    public async Task<IResult> EventsAsync(long id, CancellationToken cancellationToken)
    {
        var events = await Store.ListJobEventsAsync(id, cancellationToken).ConfigureAwait(false);
        return Json.Ok<IReadOnlyList<EventModel>>(
            events.Select(e => new EventModel(e.Type, e.At)).ToList(), DashboardJson.Default.IReadOnlyListEventModel);
    }

    public async Task<IResult> CountsAsync(CountsOf kind, CancellationToken cancellationToken)
    {
        var counts = kind switch
        {
            CountsOf.Queues => await Store.ListQueuesAsync(JobFilter.All, cancellationToken).ConfigureAwait(false),
            CountsOf.Tasks => await Store.ListTasksAsync(JobFilter.All, cancellationToken).ConfigureAwait(false),
            _ => await Store.ListLocksAsync(JobFilter.All, cancellationToken).ConfigureAwait(false),
        };
        return Json.Ok<IReadOnlyList<CountsModel>>(counts.Select(CountsModel.From).ToList(), DashboardJson.Default.IReadOnlyListCountsModel);
    }

    public async Task<IResult> WorkersAsync(CancellationToken cancellationToken)
    {
        var workers = await Store.ListWorkersAsync(cancellationToken).ConfigureAwait(false);
        var running = await Store.ListJobsAsync(
            new JobFilter { Status = JobStatus.Doing, Limit = 1000 }, cancellationToken).ConfigureAwait(false);
        var byWorker = running.Where(j => j.WorkerId is not null).ToLookup(j => j.WorkerId!.Value);
        var now = dashboard.App.TimeProvider.GetUtcNow();
        return Json.Ok<IReadOnlyList<WorkerModel>>(
            workers.Select(w => new WorkerModel(w.Id, w.LastHeartbeat, IsAlive(w, now), byWorker[w.Id].Select(JobModel.From).ToList())).ToList(),
            DashboardJson.Default.IReadOnlyListWorkerModel);
    }

    public async Task<IResult> PeriodicAsync(CancellationToken cancellationToken)
    {
        var claims = (await Store.ListPeriodicClaimsAsync(cancellationToken).ConfigureAwait(false))
            .GroupBy(c => (c.TaskName, c.PeriodicId))
            .ToDictionary(g => g.Key, g => g.MaxBy(c => c.DeferTimestamp)!);
        var now = dashboard.App.TimeProvider.GetUtcNow();
        var rows = new List<PeriodicModel>();
        foreach (var task in dashboard.App.Tasks.OrderBy(t => t.Name, StringComparer.Ordinal))
        {
            foreach (var schedule in task.Periodic)
            {
                claims.TryGetValue((task.Name, schedule.PeriodicId), out var claim);
                rows.Add(new PeriodicModel(
                    task.Name,
                    schedule.PeriodicId,
                    schedule.Cron,
                    schedule.TimeZone,
                    schedule.Args,
                    claim is null ? null : DateTimeOffset.FromUnixTimeSeconds(claim.DeferTimestamp),
                    claim?.JobId,
                    NextTick(schedule, now)));
            }
        }

        return Json.Ok<IReadOnlyList<PeriodicModel>>(rows, DashboardJson.Default.IReadOnlyListPeriodicModel);
    }

    public IResult Tasks() => Json.Ok<IReadOnlyList<TaskModel>>(
        dashboard.App.Tasks.OrderBy(t => t.Name, StringComparer.Ordinal).Select(t => new TaskModel(
            t.Name,
            t.Aliases,
            t.Queue,
            t.Priority,
            t.Lock,
            t.QueueingLock,
            Describe(t.RetryStrategy),
            t.Periodic.Select(p => p.TimeZone is null ? p.Cron : $"{p.Cron} ({p.TimeZone})").ToList())).ToList(),
        DashboardJson.Default.IReadOnlyListTaskModel);

    public async Task<IResult> ActOnJobAsync(HttpContext http, long id, string action, CancellationToken cancellationToken)
    {
        if (DashboardSecurity.CheckStateChange(http, dashboard) is { } refused)
        {
            return refused;
        }

        if (!IsAction(action))
        {
            return Json.Problem(StatusCodes.Status404NotFound, $"Unknown action '{action}': retry, cancel, abort or delete.");
        }

        var status = await Store.GetJobStatusAsync(id, cancellationToken).ConfigureAwait(false);
        if (status is null)
        {
            return Json.Problem(StatusCodes.Status404NotFound, $"Job #{Json.Text(id)} does not exist.");
        }

        try
        {
            var done = await ActAsync(action, id, status.Value, cancellationToken).ConfigureAwait(false);
            if (!done)
            {
                return Json.Problem(
                    StatusCodes.Status409Conflict,
                    $"Job #{Json.Text(id)} cannot be {Past(action)}: it is {status.Value.ToName()}.");
            }
        }
        catch (Exception e) when (e is InvalidOperationException or AlreadyEnqueuedException)
        {
            return Json.Problem(StatusCodes.Status409Conflict, e.Message);
        }

        return Json.Ok(new ActionResultModel(action, 1, 0), DashboardJson.Default.ActionResultModel);
    }

    public async Task<IResult> ActOnSelectionAsync(HttpContext http, string action, CancellationToken cancellationToken)
    {
        if (DashboardSecurity.CheckStateChange(http, dashboard) is { } refused)
        {
            return refused;
        }

        if (!IsAction(action))
        {
            return Json.Problem(StatusCodes.Status404NotFound, $"Unknown action '{action}': retry, cancel, abort or delete.");
        }

        if (ReadFilter(http.Request.Query) is not { } filter)
        {
            return Json.Problem(StatusCodes.Status400BadRequest, FilterError(http.Request.Query));
        }

        int done = 0, skipped = 0;
        foreach (var status in StatusesFor(action).Where(s => filter.Status is null || filter.Status == s))
        {
            long? after = null;
            while (true)
            {
                var page = await Store.ListJobsAsync(
                    filter with { Status = status, AfterId = after, Limit = SelectionPage }, cancellationToken).ConfigureAwait(false);
                foreach (var job in page)
                {
                    bool changed;
                    try
                    {
                        changed = await ActAsync(action, job.Id, status, cancellationToken).ConfigureAwait(false);
                    }
                    catch (Exception e) when (e is InvalidOperationException or AlreadyEnqueuedException)
                    {
                        changed = false;
                    }

                    if (changed)
                    {
                        done++;
                    }
                    else
                    {
                        skipped++;
                    }
                }

                if (page.Count < SelectionPage)
                {
                    break;
                }

                after = page[^1].Id;
            }
        }

        return Json.Ok(new ActionResultModel(action, done, skipped), DashboardJson.Default.ActionResultModel);
    }

    /// <summary>The statuses a job must be in for an action to apply to it.</summary>
    internal static IReadOnlyList<JobStatus> StatusesFor(string action) => action switch
    {
        "retry" => [JobStatus.Failed],
        "cancel" => [JobStatus.Todo],
        "abort" => [JobStatus.Todo, JobStatus.Doing],
        "delete" => [JobStatus.Succeeded, JobStatus.Failed, JobStatus.Cancelled, JobStatus.Aborted],
        _ => [],
    };

    private static bool IsAction(string action) => action is "retry" or "cancel" or "abort" or "delete";

    private static string Past(string action) => action switch
    {
        "retry" => "retried",
        "cancel" => "cancelled",
        "abort" => "aborted",
        _ => "deleted",
    };

    private async Task<bool> ActAsync(string action, long id, JobStatus status, CancellationToken cancellationToken)
    {
        if (!StatusesFor(action).Contains(status))
        {
            return false;
        }

        switch (action)
        {
            case "retry":
                // Procrastinate's shell and our command line retry "now" to the second.
                var now = dashboard.App.TimeProvider.GetUtcNow();
                var at = new DateTimeOffset(now.UtcTicks - (now.UtcTicks % TimeSpan.TicksPerSecond), TimeSpan.Zero);
                await Store.RetryJobAsync(new RetryJobParams(id, at), cancellationToken).ConfigureAwait(false);
                return true;
            case "cancel":
                return await Store.CancelJobAsync(id, cancellationToken: cancellationToken).ConfigureAwait(false);
            case "abort":
                return await Store.CancelJobAsync(id, abort: true, cancellationToken: cancellationToken).ConfigureAwait(false);
            default:
                return await Store.DeleteJobAsync(id, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Why the job page shows fewer errors than the job has failed attempts (a <c>failed</c> or
    /// <c>deferred_for_retry</c> event each), or <see langword="null"/> when it shows them all.
    /// </summary>
    internal static string? ErrorsNote(IReadOnlyList<JobEvent> events, IReadOnlyList<JobAttemptError>? errors)
    {
        var failedAttempts = events.Count(e => e.Type is "failed" or "deferred_for_retry");
        if (errors is null)
        {
            return failedAttempts == 0
                ? null
                : "No error text is recorded for this job: Procrastinate 3.9's schema keeps none, and the opt-in error table "
                  + "procrastinate_dotnet_job_errors is not installed in this database (`schema --apply --extension job-errors` "
                  + "creates it). The worker's log has each failure's exception.";
        }

        var missing = failedAttempts - errors.Count;
        return missing <= 0
            ? null
            : Json.Text(missing) + " failed attempt(s) of this job have no recorded error: they ran on a worker that does not "
              + "record errors — a Python Procrastinate worker, or a .NET worker that had not found the error table (an older "
              + "version, or one started before the table was created: workers look for it once a minute). The worker's log "
              + "has each failure's exception.";
    }

    private bool IsAlive(WorkerRegistration worker, DateTimeOffset now) =>
        now - worker.LastHeartbeat <= dashboard.Options.WorkerAliveTimeout;

    /// <summary>The filters of the jobs page, from the query string; <see langword="null"/> when one is not valid.</summary>
    internal static JobFilter? ReadFilter(IQueryCollection query)
    {
        var filter = new JobFilter
        {
            Queue = Text(query, "queue"),
            TaskName = Text(query, "task"),
            Lock = Text(query, "lock"),
            QueueingLock = Text(query, "queueing_lock"),
        };
        if (Text(query, "status") is { } statusText)
        {
            if (!JobStatusNames.TryParse(statusText, out var status))
            {
                return null;
            }

            filter = filter with { Status = status };
        }

        foreach (var (name, apply) in new (string, Func<JobFilter, long, JobFilter>)[]
                 {
                     ("id", static (f, v) => f with { Id = v }),
                     ("worker", static (f, v) => f with { WorkerId = v }),
                 })
        {
            if (Text(query, name) is { } text)
            {
                if (!long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value))
                {
                    return null;
                }

                filter = apply(filter, value);
            }
        }

        return filter;
    }

    private static string FilterError(IQueryCollection query) =>
        Text(query, "status") is { } status && !JobStatusNames.TryParse(status, out _)
            ? $"Unknown status '{status}': todo, doing, succeeded, failed, cancelled, aborting or aborted."
            : "id and worker must be whole numbers.";

    private static string? Text(IQueryCollection query, string name) =>
        query.TryGetValue(name, out var value) && value.ToString() is { Length: > 0 } text ? text.Trim() : null;

    private static DateTimeOffset? NextTick(PeriodicSchedule schedule, DateTimeOffset now)
    {
        try
        {
            var zone = schedule.TimeZone is null ? null : TimeZoneInfo.FindSystemTimeZoneById(schedule.TimeZone);
            return CronTicks.Parse(schedule.Cron, zone).Next(now, TimeSpan.FromDays(366));
        }
        catch (Exception e) when (e is FormatException or TimeZoneNotFoundException or InvalidTimeZoneException)
        {
            return null;
        }
    }

    private static string? Describe(IRetryStrategy? strategy) => strategy switch
    {
        null => null,
        RetryStrategy { MaxAttempts: { } max } => string.Create(CultureInfo.InvariantCulture, $"up to {max} attempts"),
        RetryStrategy => "retried without limit",
        _ => strategy.GetType().Name,
    };
}
