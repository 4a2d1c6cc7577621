using Microsoft.Extensions.Logging;
using Procrastinate.PostgreSql;

namespace Procrastinate.Cli;

/// <summary>
/// What a worker binary hands to <see cref="ProcrastinateCli.RunAsync(string[], Action{ProcrastinateCliOptions}?, CancellationToken)"/>:
/// its tasks and app settings, and (for tests and hosts) where the command line reads and writes.
/// </summary>
public sealed class ProcrastinateCliOptions
{
    /// <summary>
    /// The tasks that <c>defer</c> validates against and <c>worker</c> runs; Procrastinate's builtin tasks are there
    /// from the start, as in every app.
    /// </summary>
    public TaskRegistry Tasks { get; } = new(Generated.ProcrastinateTasks.All);

    /// <summary>The program name shown by <c>--version</c> and in error hints; the executable's name when unset.</summary>
    public string? ProgramName { get; set; }

    /// <summary>The application's version shown by <c>--version</c>; the entry assembly's when unset.</summary>
    public string? Version { get; set; }

    /// <summary>
    /// The connection string used when neither <c>--dsn</c> nor <c>PROCRASTINATE_DSN</c> is given (libpq
    /// <c>PG*</c> variables fill in what it lacks).
    /// </summary>
    public string? ConnectionString { get; set; }

    /// <summary>The PostgreSQL schema used when neither <c>--schema</c> nor <c>PROCRASTINATE_SCHEMA</c> is given.</summary>
    public string? Schema { get; set; }

    /// <summary>Worker options under the command line's own (which come from options and environment variables).</summary>
    public WorkerOptions? WorkerDefaults { get; set; }

    /// <summary>A periodic tick older than this is skipped; see <see cref="ProcrastinateAppOptions.PeriodicMaxDelay"/>.</summary>
    public TimeSpan PeriodicMaxDelay { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>The clock; <see cref="TimeProvider.System"/> when unset.</summary>
    public TimeProvider? TimeProvider { get; set; }

    /// <summary>
    /// Where log records go. When unset, the command line writes them to <see cref="Error"/> at the level chosen by
    /// <c>-v</c> (information, or debug with <c>-v</c>).
    /// </summary>
    public ILoggerFactory? LoggerFactory { get; set; }

    /// <summary>Changes the store options built from the connection options (pool size, listener delays, ...).</summary>
    public Func<PostgreSqlJobStoreOptions, PostgreSqlJobStoreOptions>? ConfigureStore { get; set; }

    /// <summary>Whether commands set <see cref="ProcrastinateApp.Default"/> to the app they build; on by default.</summary>
    public bool SetDefaultApp { get; set; } = true;

    /// <summary>Where results go; <see cref="Console.Out"/> by default.</summary>
    public TextWriter Output { get; set; } = Console.Out;

    /// <summary>Where messages, errors and logs go; <see cref="Console.Error"/> by default.</summary>
    public TextWriter Error { get; set; } = Console.Error;

    /// <summary>Reads an environment variable; <see cref="Environment.GetEnvironmentVariable(string)"/> by default.</summary>
    public Func<string, string?> GetEnvironmentVariable { get; set; } = Environment.GetEnvironmentVariable;

    /// <summary>Registers every task of <paramref name="tasks"/> (a generated registry's <c>All</c>).</summary>
    /// <exception cref="InvalidOperationException">A name is registered twice.</exception>
    public ProcrastinateCliOptions AddTasks(IEnumerable<TaskDefinition> tasks)
    {
        Tasks.AddRange(tasks);
        return this;
    }
}
