using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Procrastinate.Cli.Internal;

namespace Procrastinate.Cli.Commands;

/// <summary><c>worker</c>: runs a worker with every option of <see cref="WorkerOptions"/>, each also from a <c>PROCRASTINATE_WORKER_*</c> variable.</summary>
internal sealed class WorkerCommand
{
    private const string Env = "PROCRASTINATE_WORKER_";

    private readonly Option<string?> _name = new("--name", "-n")
    {
        Description = $"The worker's name in logs and job contexts (default: worker) [env: {Env}NAME]",
    };

    private readonly Option<string?> _queues = new("--queues", "-q")
    {
        Description = $"Comma-separated queues to work; empty or absent means all queues [env: {Env}QUEUES]",
        HelpName = "a,b",
    };

    private readonly Option<int?> _concurrency = new("--concurrency", "-c")
    {
        Description = $"How many jobs run at once (default: 1) [env: {Env}CONCURRENCY]",
    };

    private readonly Option<double?> _fetchPolling = new("--fetch-job-polling-interval", "-p")
    {
        Description = $"Seconds between fetches when no notification arrives (default: 5) [env: {Env}FETCH_JOB_POLLING_INTERVAL]",
        HelpName = "seconds",
    };

    private readonly Option<double?> _abortPolling = new("--abort-job-polling-interval", "-a")
    {
        Description = $"Seconds between looks for abort requests while jobs run (default: 5) [env: {Env}ABORT_JOB_POLLING_INTERVAL]",
        HelpName = "seconds",
    };

    private readonly Option<double?> _shutdownTimeout = new("--shutdown-graceful-timeout")
    {
        Description = $"Seconds to wait for running jobs at shutdown before aborting them (default: forever) [env: {Env}SHUTDOWN_GRACEFUL_TIMEOUT]",
        HelpName = "seconds",
    };

    private readonly Option<double?> _abortTimeout = new("--shutdown-abort-timeout")
    {
        Description = $"Seconds to wait for jobs aborted at shutdown before leaving those that ignore it (default: 5) [env: {Env}SHUTDOWN_ABORT_TIMEOUT]",
        HelpName = "seconds",
    };

    private readonly Option<bool> _wait = new("--wait", "-w")
    {
        Description = $"Wait for new jobs when the queues are empty (the default) [env: {Env}WAIT=1]",
    };

    private readonly Option<bool> _oneShot = new("--one-shot")
    {
        Description = $"Stop once no job is left to run [env: {Env}WAIT=0]",
    };

    private readonly Option<bool> _listenNotify = new("--listen-notify", "-l")
    {
        Description = $"Wake up on database notifications (the default) [env: {Env}LISTEN_NOTIFY=1]",
    };

    private readonly Option<bool> _noListenNotify = new("--no-listen-notify")
    {
        Description = $"Rely on polling only [env: {Env}LISTEN_NOTIFY=0]",
    };

    private readonly Option<string?> _deleteJobs = new("--delete-jobs")
    {
        Description = $"Which finished jobs to delete (default: never) [env: {Env}DELETE_JOBS]",
        HelpName = "never|successful|always",
    };

    private readonly Option<double?> _heartbeat = new("--update-heartbeat-interval")
    {
        Description = $"Seconds between heartbeats (default: 10) [env: {Env}UPDATE_HEARTBEAT_INTERVAL]",
        HelpName = "seconds",
    };

    private readonly Option<double?> _stalledTimeout = new("--stalled-worker-timeout")
    {
        Description = $"Seconds of silence after which a worker counts as gone (default: 30) [env: {Env}STALLED_WORKER_TIMEOUT]",
        HelpName = "seconds",
    };

    private readonly Option<bool> _noRecoverStalled = new("--no-recover-stalled-jobs")
    {
        Description = $"Do not put jobs of gone workers back to todo [env: {Env}RECOVER_STALLED_JOBS=0]",
    };

    public Command Build(Func<Func<CliContext, CancellationToken, Task<int>>, Func<ParseResult, CancellationToken, Task<int>>> wrap)
    {
        _deleteJobs.AcceptOnlyFromAmong("never", "successful", "always");
        var command = new Command("worker", "Run a worker: fetch and run jobs of this binary's tasks until stopped (SIGINT/SIGTERM stop gracefully, a second one aborts)")
        {
            _name, _queues, _concurrency, _wait, _oneShot, _listenNotify, _noListenNotify, _deleteJobs,
            _fetchPolling, _abortPolling, _shutdownTimeout, _abortTimeout, _heartbeat, _stalledTimeout, _noRecoverStalled,
        };
        command.SetAction(wrap(RunAsync));
        return command;
    }

    /// <summary>The options of this run, from the command line, then <c>PROCRASTINATE_WORKER_*</c>; unset ones fall back to the app's defaults.</summary>
    internal WorkerOptions ReadOptions(CliContext context)
    {
        var parse = context.ParseResult;
        var env = context.Environment;
        var queues = parse.ValueOr(_queues, () => env.String(Env + "QUEUES"));
        return new WorkerOptions
        {
            Name = parse.ValueOr(_name, () => env.String(Env + "NAME")),
            Queues = queues is null
                ? null
                : queues.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) is { Length: > 0 } names ? names : null,
            Concurrency = parse.ValueOr(_concurrency, () => env.Int(Env + "CONCURRENCY")),
            Wait = Flag(parse, _wait, _oneShot, () => env.Bool(Env + "WAIT")),
            ListenNotify = Flag(parse, _listenNotify, _noListenNotify, () => env.Bool(Env + "LISTEN_NOTIFY")),
            DeleteJobs = ParseDeleteJobs(parse.ValueOr(_deleteJobs, () => env.String(Env + "DELETE_JOBS"))),
            FetchJobPollingInterval = Seconds(parse.ValueOr(_fetchPolling, () => env.Double(Env + "FETCH_JOB_POLLING_INTERVAL")), "--fetch-job-polling-interval"),
            AbortJobPollingInterval = Seconds(parse.ValueOr(_abortPolling, () => env.Double(Env + "ABORT_JOB_POLLING_INTERVAL")), "--abort-job-polling-interval"),
            ShutdownGracefulTimeout = Seconds(parse.ValueOr(_shutdownTimeout, () => env.Double(Env + "SHUTDOWN_GRACEFUL_TIMEOUT")), "--shutdown-graceful-timeout"),
            ShutdownAbortTimeout = Seconds(parse.ValueOr(_abortTimeout, () => env.Double(Env + "SHUTDOWN_ABORT_TIMEOUT")), "--shutdown-abort-timeout"),
            UpdateHeartbeatInterval = Seconds(parse.ValueOr(_heartbeat, () => env.Double(Env + "UPDATE_HEARTBEAT_INTERVAL")), "--update-heartbeat-interval"),
            StalledWorkerTimeout = Seconds(parse.ValueOr(_stalledTimeout, () => env.Double(Env + "STALLED_WORKER_TIMEOUT")), "--stalled-worker-timeout"),
            RecoverStalledJobs = parse.Has(_noRecoverStalled) ? false : env.Bool(Env + "RECOVER_STALLED_JOBS"),
        };
    }

    private async Task<int> RunAsync(CliContext context, CancellationToken cancellationToken)
    {
        var options = ReadOptions(context);
        await context.RequireSchemaAsync(cancellationToken).ConfigureAwait(false);
        var counter = new OutcomeCounter();
        options = options with { Middleware = [counter.Count, .. context.WorkerDefaults?.Middleware ?? []] };
        var worker = new Worker(context.App, options);
        var resolved = options.MergeOver(context.WorkerDefaults);
        var stopwatch = Stopwatch.StartNew();
        var run = worker.RunAsync(cancellationToken);
        try
        {
            var id = await worker.Started.ConfigureAwait(false);
            var listening = resolved.ListenNotify ?? true ? "notifications and polling" : "polling only";
            var polling = (resolved.FetchJobPollingInterval ?? TimeSpan.FromSeconds(5)).TotalSeconds;
            context.Error.WriteLine(string.Create(
                CultureInfo.InvariantCulture,
                $"Worker {worker.Name} (id {id}) listening on {Queues(worker.Queues)} with {listening} (every {polling} s), " +
                $"concurrency {worker.Concurrency}, {((resolved.Wait ?? true) ? "waiting for jobs" : "one shot")}"));
        }
        catch (OperationCanceledException)
        {
            // Stopped before it was registered; the run below tells how.
        }

        await run.ConfigureAwait(false);
        context.Error.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"Worker {worker.Name} stopped after {stopwatch.Elapsed.TotalSeconds:0.0} s: {worker.FetchedJobCount} job(s) run, " +
            $"{counter.Succeeded} succeeded, {counter.Raised} raised an error, {counter.Aborted} aborted"));
        if (worker.AbandonedJobCount > 0)
        {
            context.Error.WriteLine(string.Create(
                CultureInfo.InvariantCulture,
                $"error: {worker.AbandonedJobCount} job(s) ignored their abort and were left running; they are recorded as retried or failed"));
            return CliExitCodes.JobsAbandoned;
        }

        return CliExitCodes.Success;
    }

    private static string Queues(IReadOnlyList<string>? queues) =>
        queues is null ? "all queues" : "queues " + string.Join(", ", queues);

    private static bool? Flag(ParseResult parse, Option<bool> on, Option<bool> off, Func<bool?> env)
    {
        var hasOn = parse.Has(on);
        var hasOff = parse.Has(off);
        if (hasOn && hasOff)
        {
            throw CliException.Usage($"Options {on.Name} and {off.Name} cannot be used together.");
        }

        return hasOn ? parse.GetValue(on) : hasOff ? !parse.GetValue(off) : env();
    }

    private static TimeSpan? Seconds(double? value, string name)
    {
        if (value is not { } seconds)
        {
            return null;
        }

        if (double.IsNaN(seconds) || seconds < 0 || seconds > TimeSpan.MaxValue.TotalSeconds)
        {
            throw CliException.Usage($"Option {name}: {seconds.ToString(CultureInfo.InvariantCulture)} is not a number of seconds >= 0.");
        }

        return TimeSpan.FromSeconds(seconds);
    }

    private static DeleteJobsCondition? ParseDeleteJobs(string? value) => value switch
    {
        null => null,
        "never" => DeleteJobsCondition.Never,
        "successful" => DeleteJobsCondition.Successful,
        "always" => DeleteJobsCondition.Always,
        _ => throw CliException.Usage($"--delete-jobs: '{value}' is not one of never, successful, always."),
    };

    /// <summary>Counts how jobs ended in the task, for the summary at stop.</summary>
    private sealed class OutcomeCounter
    {
        private long _succeeded;
        private long _raised;
        private long _aborted;

        public long Succeeded => Interlocked.Read(ref _succeeded);

        public long Raised => Interlocked.Read(ref _raised);

        public long Aborted => Interlocked.Read(ref _aborted);

        public async ValueTask<object?> Count(JobContext context, Func<ValueTask<object?>> next)
        {
            try
            {
                var result = await next().ConfigureAwait(false);
                Interlocked.Increment(ref _succeeded);
                return result;
            }
            catch (Exception e) when (e is JobAbortedException || (e is OperationCanceledException && context.ShouldAbort))
            {
                Interlocked.Increment(ref _aborted);
                throw;
            }
            catch
            {
                Interlocked.Increment(ref _raised);
                throw;
            }
        }
    }
}
