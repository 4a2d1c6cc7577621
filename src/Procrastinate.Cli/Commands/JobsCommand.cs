using System.CommandLine;
using System.Globalization;
using Procrastinate.Cli.Internal;
using Procrastinate.Storage;

namespace Procrastinate.Cli.Commands;

/// <summary><c>jobs list | cancel | retry | status | events</c>.</summary>
internal sealed class JobsCommand
{
    /// <summary>How many jobs <c>jobs list</c> reads per query: it writes each page before reading the next.</summary>
    internal const int PageSize = 500;

    private readonly JobFilterOptions _filters = new(forJobs: true);
    private readonly Option<bool> _details = new("--details") { Description = "Show attempts, priority, schedule, arguments, locks and worker" };
    private readonly Option<int?> _limit = new("--limit") { Description = "Stop after this many jobs (the lowest ids)" };
    private readonly Argument<long> _cancelId = new("id") { Description = "The job id" };
    private readonly Option<bool> _abort = new("--abort") { Description = "Also ask a running job to abort" };
    private readonly Option<bool> _delete = new("--delete") { Description = "Delete the job instead of marking it cancelled (waiting jobs only)" };
    private readonly Argument<long> _retryId = new("id") { Description = "The job id (a failed or running job)" };
    private readonly Argument<long> _statusId = new("id") { Description = "The job id" };
    private readonly Argument<long> _eventsId = new("id") { Description = "The job id" };

    public Command Build(Func<Func<CliContext, CancellationToken, Task<int>>, Func<ParseResult, CancellationToken, Task<int>>> wrap)
    {
        _limit.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int?>() is < 1)
            {
                result.AddError("--limit must be at least 1.");
            }
        });
        var list = new Command("list", "List jobs, by id") { _details, _limit };
        _filters.AddTo(list);
        list.SetAction(wrap(ListAsync));

        var cancel = new Command("cancel", "Cancel a waiting job; with --abort also abort a running one") { _cancelId, _abort, _delete };
        cancel.SetAction(wrap(CancelAsync));

        var retry = new Command("retry", "Put a failed (or running) job back to todo, to run now") { _retryId };
        retry.SetAction(wrap(RetryAsync));

        var status = new Command("status", "Print a job's status") { _statusId };
        status.SetAction(wrap(StatusAsync));

        var events = new Command("events", "Print a job's events (procrastinate_events), oldest first") { _eventsId };
        events.SetAction(wrap(EventsAsync));

        return new Command("jobs", "List, cancel, retry and inspect jobs") { list, cancel, retry, status, events };
    }

    private async Task<int> ListAsync(CliContext context, CancellationToken cancellationToken)
    {
        var filter = _filters.Read(context);
        var details = context.ParseResult.GetValue(_details);
        var remaining = context.ParseResult.GetValue(_limit) ?? int.MaxValue;
        using var list = context.StartList<Job>(Output.WriteJob, job => Output.JobLine(job, details));
        long? after = null;
        while (remaining > 0)
        {
            var page = await context.Store.ListJobsAsync(
                filter with { AfterId = after, Limit = Math.Min(PageSize, remaining) },
                cancellationToken).ConfigureAwait(false);
            foreach (var job in page)
            {
                list.Write(job);
            }

            if (page.Count < PageSize)
            {
                break;
            }

            remaining -= page.Count;
            after = page[^1].Id;
        }

        list.Complete();
        return CliExitCodes.Success;
    }

    private async Task<int> CancelAsync(CliContext context, CancellationToken cancellationToken)
    {
        var id = context.ParseResult.GetValue(_cancelId);
        var abort = context.ParseResult.GetValue(_abort);
        var delete = context.ParseResult.GetValue(_delete);
        if (!await context.Store.CancelJobAsync(id, abort, delete, cancellationToken).ConfigureAwait(false))
        {
            var job = await FindAsync(context, id, cancellationToken).ConfigureAwait(false);
            throw new CliException(
                $"Job #{Text(id)} was not cancelled: it is {job.Status.ToName()}" +
                (job.Status == JobStatus.Doing && !abort ? " (use --abort to ask it to stop)." : "."));
        }

        var after = (await context.Store.ListJobsAsync(new JobFilter { Id = id }, cancellationToken).ConfigureAwait(false)).FirstOrDefault();
        WriteJob(context, id, after, after is null ? "deleted" : null);
        return CliExitCodes.Success;
    }

    private async Task<int> RetryAsync(CliContext context, CancellationToken cancellationToken)
    {
        var id = context.ParseResult.GetValue(_retryId);
        var job = await FindAsync(context, id, cancellationToken).ConfigureAwait(false);
        if (job.Status is not (JobStatus.Failed or JobStatus.Doing))
        {
            throw new CliException($"Job #{Text(id)} cannot be retried: it is {job.Status.ToName()} (only failed or running jobs can).");
        }

        // Procrastinate's shell retries "now" to the second.
        var now = context.TimeProvider.GetUtcNow();
        var retryAt = new DateTimeOffset(now.Ticks - (now.Ticks % TimeSpan.TicksPerSecond), TimeSpan.Zero);
        await context.Store.RetryJobAsync(new RetryJobParams(id, retryAt), cancellationToken).ConfigureAwait(false);
        WriteJob(context, id, await FindAsync(context, id, cancellationToken).ConfigureAwait(false), null);
        return CliExitCodes.Success;
    }

    private async Task<int> StatusAsync(CliContext context, CancellationToken cancellationToken)
    {
        var id = context.ParseResult.GetValue(_statusId);
        var status = await context.Store.GetJobStatusAsync(id, cancellationToken).ConfigureAwait(false)
            ?? throw new CliException($"Job #{Text(id)} does not exist.");
        if (context.Json)
        {
            context.WriteJson(w =>
            {
                w.WriteStartObject();
                w.WriteNumber("id", id);
                w.WriteString("status", status.ToName());
                w.WriteEndObject();
            });
        }
        else
        {
            context.Out.WriteLine(status.ToName());
        }

        return CliExitCodes.Success;
    }

    private async Task<int> EventsAsync(CliContext context, CancellationToken cancellationToken)
    {
        var id = context.ParseResult.GetValue(_eventsId);
        var events = await context.Store.ListJobEventsAsync(id, cancellationToken).ConfigureAwait(false);
        if (events.Count == 0)
        {
            await FindAsync(context, id, cancellationToken).ConfigureAwait(false);
        }

        context.WriteList(events, Output.WriteEvent, Output.EventLine);
        return CliExitCodes.Success;
    }

    private static async Task<Job> FindAsync(CliContext context, long id, CancellationToken cancellationToken) =>
        (await context.Store.ListJobsAsync(new JobFilter { Id = id }, cancellationToken).ConfigureAwait(false)).FirstOrDefault()
        ?? throw new CliException($"Job #{Text(id)} does not exist.");

    private static void WriteJob(CliContext context, long id, Job? job, string? gone)
    {
        if (context.Json)
        {
            if (job is null)
            {
                context.WriteJson(w =>
                {
                    w.WriteStartObject();
                    w.WriteNumber("id", id);
                    w.WriteString("status", gone);
                    w.WriteEndObject();
                });
            }
            else
            {
                context.WriteJson(w => Output.WriteJob(w, job));
            }
        }
        else
        {
            context.Out.WriteLine(job is null ? $"#{Text(id)} - [{gone}]" : Output.JobLine(job, details: false));
        }
    }

    private static string Text(long id) => id.ToString(CultureInfo.InvariantCulture);
}
