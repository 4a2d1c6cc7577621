using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Procrastinate.Cli.Internal;
using Procrastinate.Storage;

namespace Procrastinate.Cli.Commands;

/// <summary><c>defer TASK [JSON]</c>: defers one job by task name, the JSON checked by the task's generated reader first.</summary>
internal sealed class DeferCommand
{
    private const string Env = "PROCRASTINATE_DEFER_";

    private readonly Argument<string> _task = new("task")
    {
        Description = "The task's registered name or alias",
    };

    private readonly Argument<string?> _json = new("json")
    {
        Description = $"The arguments: a JSON object, e.g. '{{\"max_hours\": 72}}' (default: {{}}) [env: {Env}JSON_ARGS]",
        Arity = ArgumentArity.ZeroOrOne,
    };

    private readonly Option<string?> _queue = new("--queue")
    {
        Description = $"The queue, instead of the task's [env: {Env}QUEUE]",
    };

    private readonly Option<string?> _lock = new("--lock")
    {
        Description = $"The lock: no two jobs with the same lock run at once [env: {Env}LOCK]",
    };

    private readonly Option<string?> _queueingLock = new("--queueing-lock")
    {
        Description = $"The queueing lock: at most one waiting job may hold it [env: {Env}QUEUEING_LOCK]",
    };

    private readonly Option<bool> _ignoreAlreadyEnqueued = new("--ignore-already-enqueued", "-i")
    {
        Description = $"Exit with success when the queueing lock is taken [env: {Env}IGNORE_ALREADY_ENQUEUED]",
    };

    private readonly Option<string?> _at = new("--at")
    {
        Description = $"Do not run before this ISO 8601 time, with its UTC offset (Z or +01:00) [env: {Env}AT]",
        HelpName = "time",
    };

    private readonly Option<int?> _in = new("--in")
    {
        Description = $"Do not run before this many seconds have passed [env: {Env}IN]",
        HelpName = "seconds",
    };

    private readonly Option<int?> _priority = new("--priority")
    {
        Description = $"The priority, instead of the task's; higher runs first [env: {Env}PRIORITY]",
    };

    private readonly Option<bool> _unknown = new("--unknown")
    {
        Description = $"Allow a task name this binary does not register (its arguments are not checked) [env: {Env}UNKNOWN]",
    };

    public Command Build(Func<Func<CliContext, CancellationToken, Task<int>>, Func<ParseResult, CancellationToken, Task<int>>> wrap)
    {
        var command = new Command("defer", "Defer a job of a task by name")
        {
            _task, _json, _queue, _lock, _queueingLock, _ignoreAlreadyEnqueued, _at, _in, _priority, _unknown,
        };
        command.SetAction(wrap(RunAsync));
        return command;
    }

    private async Task<int> RunAsync(CliContext context, CancellationToken cancellationToken)
    {
        var parse = context.ParseResult;
        var env = context.Environment;
        var taskName = parse.GetRequiredValue(_task);
        var json = parse.GetResult(_json) is { Tokens.Count: > 0 } ? parse.GetValue(_json)! : env.String(Env + "JSON_ARGS") ?? "{}";
        CheckIsObject(json);
        var allowUnknown = parse.Has(_unknown) || (env.Bool(Env + "UNKNOWN") ?? false);
        if (!allowUnknown)
        {
            // Reported before any connection option is read: a typo or bad arguments need no database.
            context.Tasks.Get(taskName).ValidateArgs(json);
        }

        var at = parse.ValueOr(_at, () => env.String(Env + "AT"));
        var delay = parse.ValueOr(_in, () => env.Int(Env + "IN"));
        if (at is not null && delay is not null)
        {
            throw CliException.Usage("Give either --at or --in, not both.");
        }

        var options = new DeferOptions
        {
            Queue = parse.ValueOr(_queue, () => env.String(Env + "QUEUE")),
            Lock = parse.ValueOr(_lock, () => env.String(Env + "LOCK")),
            QueueingLock = parse.ValueOr(_queueingLock, () => env.String(Env + "QUEUEING_LOCK")),
            Priority = parse.ValueOr(_priority, () => env.Int(Env + "PRIORITY")),
            ScheduleAt = at is null ? null : ParseTime(at),
            ScheduleIn = delay is { } seconds ? TimeSpan.FromSeconds(seconds) : null,
        };
        try
        {
            options.Validate();
        }
        catch (ArgumentException e)
        {
            var option = e.ParamName switch
            {
                nameof(DeferOptions.Queue) => "--queue",
                nameof(DeferOptions.Lock) => "--lock",
                nameof(DeferOptions.QueueingLock) => "--queueing-lock",
                _ => "--in",
            };
            throw CliException.Usage($"{option}: {e.Message.Replace($" (Parameter '{e.ParamName}')", string.Empty, StringComparison.Ordinal)}", e);
        }

        var ignore = parse.Has(_ignoreAlreadyEnqueued) || (env.Bool(Env + "IGNORE_ALREADY_ENQUEUED") ?? false);
        long id;
        try
        {
            // Checks the name (with suggestions) and the arguments with the task's generated reader before writing.
            id = await context.App.DeferByNameAsync(taskName, json, options, allowUnknown, cancellationToken).ConfigureAwait(false);
        }
        catch (AlreadyEnqueuedException e) when (ignore)
        {
            context.Error.WriteLine($"{e.Message} (ignored)");
            return CliExitCodes.Success;
        }

        var job = (await context.Store.ListJobsAsync(new JobFilter { Id = id }, cancellationToken).ConfigureAwait(false))
            .FirstOrDefault();
        if (context.Json)
        {
            if (job is null)
            {
                context.WriteJson(w => { w.WriteStartObject(); w.WriteNumber("id", id); w.WriteEndObject(); });
            }
            else
            {
                context.WriteJson(w => Output.WriteJob(w, job));
            }
        }
        else
        {
            // A worker may already have taken and deleted it.
            context.Out.WriteLine(job is null ? $"#{id.ToString(CultureInfo.InvariantCulture)} {taskName}" : Output.JobLine(job, details: false));
        }

        return CliExitCodes.Success;
    }

    private static void CheckIsObject(string json)
    {
        JsonValueKind kind;
        try
        {
            using var document = JsonDocument.Parse(json);
            kind = document.RootElement.ValueKind;
        }
        catch (JsonException e)
        {
            throw CliException.Usage($"The JSON arguments are not valid JSON: {e.Message}", e);
        }

        if (kind != JsonValueKind.Object)
        {
            throw CliException.Usage($"The JSON arguments must be an object like {{\"name\": value}}, not {Describe(kind)}.");
        }
    }

    private static string Describe(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        _ => "null",
    };

    /// <summary>
    /// Reads <c>--at</c>. A time without a UTC offset is refused: read as UTC here and as local time by
    /// <c>DateTime</c>'s conversion to <c>DateTimeOffset</c>, it would mean two instants (issue #17).
    /// </summary>
    private static DateTimeOffset ParseTime(string value)
    {
        // Echoing the value would print a hostile one's control characters: only the rule and an example.
        if (!DateTime.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var local)
            || !DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.None, out var time))
        {
            throw CliException.Usage("--at: the value is not an ISO 8601 time (e.g. 2026-01-31T08:00:00Z).");
        }

        return local.Kind == DateTimeKind.Unspecified
            ? throw CliException.Usage("--at: the time has no UTC offset; add one, e.g. 2026-01-31T08:00:00Z or 2026-01-31T09:00:00+01:00.")
            : time;
    }
}
