using System.CommandLine;
using System.CommandLine.Invocation;
using System.Reflection;
using Npgsql;
using Procrastinate.Cli.Commands;
using Procrastinate.Cli.Internal;

namespace Procrastinate.Cli;

/// <summary>
/// The command line a worker binary embeds, so that one binary (Native AOT included) is both the worker and the
/// admin tool: <c>worker</c>, <c>defer</c>, <c>schema</c>, <c>healthchecks</c>, <c>jobs list|cancel|retry|status|events</c>,
/// <c>queues</c>, <c>tasks</c>, <c>locks</c>, <c>dashboard</c>.
/// </summary>
/// <example>
/// <code>
/// return await ProcrastinateCli.RunAsync(args, cli => cli.AddTasks(MyWorkerTasks.All));
/// </code>
/// </example>
public static class ProcrastinateCli
{
    /// <summary>Parses <paramref name="args"/>, runs the command and returns the process exit status (see <see cref="CliExitCodes"/>).</summary>
    /// <param name="args">The program's arguments.</param>
    /// <param name="configure">Registers the binary's tasks and app settings.</param>
    /// <param name="cancellationToken">Cancels the command (a worker stops gracefully).</param>
    public static Task<int> RunAsync(string[] args, Action<ProcrastinateCliOptions>? configure = null, CancellationToken cancellationToken = default)
    {
        var options = new ProcrastinateCliOptions();
        configure?.Invoke(options);
        return RunAsync(args, options, cancellationToken);
    }

    /// <summary>Parses <paramref name="args"/>, runs the command with <paramref name="options"/> and returns the exit status.</summary>
    public static async Task<int> RunAsync(IReadOnlyList<string> args, ProcrastinateCliOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(options);
        var root = BuildCommand(options);
        var parseResult = root.Parse(args);
        if (parseResult.Action is ParseErrorAction)
        {
            var messages = string.Join("; ", parseResult.Errors.Select(e => e.Message));
            WriteError(options.Error, $"{messages} (see '{ProgramName(options, root)} --help')");
            return CliExitCodes.Usage;
        }

        var invocation = new InvocationConfiguration
        {
            Output = options.Output,
            Error = options.Error,
            EnableDefaultExceptionHandler = false,
            // The worker handles SIGINT/SIGTERM itself (graceful stop, then abort); no forced exit after a timeout.
            ProcessTerminationTimeout = null,
        };
        var status = await parseResult.InvokeAsync(invocation, cancellationToken).ConfigureAwait(false);
        await options.Output.FlushAsync(CancellationToken.None).ConfigureAwait(false);
        return status;
    }

    /// <summary>The command tree, for help and tests.</summary>
    internal static RootCommand BuildCommand(ProcrastinateCliOptions options)
    {
        var globals = new GlobalOptions();
        Func<ParseResult, CancellationToken, Task<int>> Wrap(Func<CliContext, CancellationToken, Task<int>> run) =>
            (parseResult, cancellationToken) => RunCommandAsync(options, globals, parseResult, run, cancellationToken);

        var root = new RootCommand(
            "Procrastinate for .NET: run workers of this binary's tasks, defer jobs, and manage the PostgreSQL queue.");
        globals.AddTo(root);
        root.Subcommands.Add(new WorkerCommand().Build(Wrap));
        root.Subcommands.Add(new DeferCommand().Build(Wrap));
        root.Subcommands.Add(new SchemaCommand().Build(Wrap));
        root.Subcommands.Add(HealthchecksCommand.Build(Wrap));
        root.Subcommands.Add(new JobsCommand().Build(Wrap));
        root.Subcommands.Add(new DashboardCommand().Build(Wrap));
        foreach (var command in CountsCommands.Build(Wrap))
        {
            root.Subcommands.Add(command);
        }

        root.SetAction(_ =>
        {
            var commands = string.Join(", ", root.Subcommands.Select(c => c.Name));
            WriteError(options.Error, $"No command given; choose one of {commands} (see '{ProgramName(options, root)} --help').");
            return CliExitCodes.Usage;
        });
        foreach (var option in root.Options)
        {
            if (option is VersionOption version)
            {
                version.Action = new VersionAction(options, root);
            }
        }

        return root;
    }

    private static async Task<int> RunCommandAsync(
        ProcrastinateCliOptions options,
        GlobalOptions globals,
        ParseResult parseResult,
        Func<CliContext, CancellationToken, Task<int>> run,
        CancellationToken cancellationToken)
    {
        CliContext? context = null;
        try
        {
            context = new CliContext(options, globals, parseResult);
            return await run(context, cancellationToken).ConfigureAwait(false);
        }
        catch (CliException e)
        {
            WriteError(options.Error, e.Message);
            return e.ExitCode;
        }
        catch (Exception e) when (e is TaskNotFoundException or TaskArgumentsException or ArgumentException)
        {
            WriteError(options.Error, e.Message);
            return CliExitCodes.Usage;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            WriteError(options.Error, "interrupted");
            return CliExitCodes.Interrupted;
        }
        catch (Exception e) when (e is ProcrastinateException or InvalidOperationException or NpgsqlException or TimeoutException)
        {
            WriteError(options.Error, e is NpgsqlException ? $"Database error: {e.Message}" : e.Message);
            return CliExitCodes.Failure;
        }
        finally
        {
            if (context is not null)
            {
                await context.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>Errors are one line on standard error: <c>error: message</c>.</summary>
    private static void WriteError(TextWriter error, string message)
    {
        error.WriteLine("error: " + message.ReplaceLineEndings(" ").Trim());
        error.Flush();
    }

    private static string ProgramName(ProcrastinateCliOptions options, RootCommand root) =>
        options.ProgramName ?? root.Name;

    private static string LibraryVersion() =>
        typeof(ProcrastinateCli).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion is { } version
            ? version.Split('+')[0]
            : "unknown";

    private sealed class VersionAction : SynchronousCommandLineAction
    {
        private readonly ProcrastinateCliOptions _options;
        private readonly RootCommand _root;

        public VersionAction(ProcrastinateCliOptions options, RootCommand root)
        {
            _options = options;
            _root = root;
        }

        public override int Invoke(ParseResult parseResult)
        {
            var version = _options.Version
                ?? Assembly.GetEntryAssembly()?.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion?.Split('+')[0]
                ?? "unknown";
            _options.Output.WriteLine($"{ProgramName(_options, _root)}, version {version} (Procrastinate for .NET {LibraryVersion()})");
            return CliExitCodes.Success;
        }
    }
}
