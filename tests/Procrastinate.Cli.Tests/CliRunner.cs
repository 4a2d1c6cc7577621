using Procrastinate.Generated;

namespace Procrastinate.Cli.Tests;

/// <summary>The result of one in-process run of the command line.</summary>
public sealed record CliResult(int ExitCode, string Out, string Error)
{
    public IReadOnlyList<string> OutLines => Lines(Out);

    public IReadOnlyList<string> ErrorLines => Lines(Error);

    public override string ToString() => $"exit {ExitCode}\n--- stdout\n{Out}--- stderr\n{Error}";

    private static string[] Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}

/// <summary>Runs <see cref="ProcrastinateCli"/> in process with this project's tasks, captured output and a given environment.</summary>
public static class CliRunner
{
    public static async Task<CliResult> RunAsync(
        IReadOnlyList<string> args,
        IReadOnlyDictionary<string, string>? environment = null,
        Action<ProcrastinateCliOptions>? configure = null,
        CancellationToken cancellationToken = default)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var options = new ProcrastinateCliOptions
        {
            ProgramName = "test-worker",
            Version = "9.9.9",
            Output = output,
            Error = error,
            SetDefaultApp = false,
            GetEnvironmentVariable = name => environment is not null && environment.TryGetValue(name, out var value) ? value : null,
        };
        options.AddTasks(ProcrastinateCliTestsTasks.All);
        configure?.Invoke(options);
        var code = await ProcrastinateCli.RunAsync(args, options, cancellationToken);
        return new CliResult(code, output.ToString(), error.ToString());
    }

    /// <summary>Runs with <c>--dsn</c> set to <paramref name="connectionString"/> ahead of <paramref name="args"/>.</summary>
    public static Task<CliResult> RunAsync(string connectionString, params string[] args) =>
        RunAsync(["--dsn", connectionString, .. args]);
}
