using System.CommandLine;
using Procrastinate.Cli.Internal;
using Procrastinate.Storage;

namespace Procrastinate.Cli.Commands;

/// <summary><c>queues</c>, <c>tasks</c> and <c>locks</c>: job counts per status, by name.</summary>
internal static class CountsCommands
{
    public static IEnumerable<Command> Build(Func<Func<CliContext, CancellationToken, Task<int>>, Func<ParseResult, CancellationToken, Task<int>>> wrap)
    {
        yield return Counts("queues", "Job counts per queue and status", (store, filter, ct) => store.ListQueuesAsync(filter, ct), wrap);

        var registered = new Option<bool>("--registered") { Description = "List the tasks this binary registers instead (no database needed)" };
        var tasks = Counts("tasks", "Job counts per task and status", (store, filter, ct) => store.ListTasksAsync(filter, ct), wrap, registered);
        yield return tasks;

        yield return Counts("locks", "Job counts per lock and status (jobs without a lock left out)", (store, filter, ct) => store.ListLocksAsync(filter, ct), wrap);
    }

    private static Command Counts(
        string name,
        string description,
        Func<IJobStore, JobFilter, CancellationToken, ValueTask<IReadOnlyList<JobCounts>>> list,
        Func<Func<CliContext, CancellationToken, Task<int>>, Func<ParseResult, CancellationToken, Task<int>>> wrap,
        Option<bool>? registered = null)
    {
        var filters = new JobFilterOptions(forJobs: false);
        var command = new Command(name, description);
        filters.AddTo(command);
        if (registered is not null)
        {
            command.Options.Add(registered);
        }

        command.SetAction(wrap(async (context, cancellationToken) =>
        {
            if (registered is not null && context.ParseResult.GetValue(registered))
            {
                WriteRegistered(context);
                return CliExitCodes.Success;
            }

            var counts = await list(context.Store, filters.Read(context), cancellationToken).ConfigureAwait(false);
            context.WriteList(counts, Output.WriteCounts, Output.CountsLine);
            return CliExitCodes.Success;
        }));
        return command;
    }

    private static void WriteRegistered(CliContext context) =>
        context.WriteList(context.Tasks.OrderBy(t => t.Name, StringComparer.Ordinal), Output.WriteTask, Output.TaskLine);
}
