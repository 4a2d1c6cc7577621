using System.Diagnostics;
using System.Reflection;

namespace Procrastinate.Cli.Tests;

/// <summary>
/// Runs the sample worker binary (samples/AotWorker) as a process: its JIT build by default, or the binary named by
/// <c>PROCRASTINATE_AOT_WORKER</c> (./test.sh points it at the Native AOT publish).
/// </summary>
public static class WorkerBinary
{
    public const string PathVariable = "PROCRASTINATE_AOT_WORKER";

    public static string Path =>
        Environment.GetEnvironmentVariable(PathVariable) is { Length: > 0 } path
            ? path
            : typeof(WorkerBinary).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "AotWorkerPath").Value!;

    public static async Task<CliResult> RunAsync(IReadOnlyDictionary<string, string>? environment, params string[] args)
    {
        using var process = Start(environment, args);
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await WaitForExitAsync(process, args);
        return new CliResult(process.ExitCode, await output, await error);
    }

    /// <summary>Waits at most 3 minutes, then kills the process and fails.</summary>
    public static async Task WaitForExitAsync(Process process, IEnumerable<string> args)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{Path} {string.Join(' ', args)} did not exit within 3 minutes.");
        }
    }

    /// <summary>Starts the binary with only the given PROCRASTINATE_*/PG* variables, output redirected.</summary>
    public static Process Start(IReadOnlyDictionary<string, string>? environment, params string[] args)
    {
        var start = new ProcessStartInfo(Path)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        foreach (var name in start.Environment.Keys.Where(k => k.StartsWith("PROCRASTINATE_", StringComparison.Ordinal) || k.StartsWith("PG", StringComparison.Ordinal)).ToList())
        {
            start.Environment.Remove(name);
        }

        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        return Process.Start(start) ?? throw new InvalidOperationException($"Cannot start {Path}.");
    }

    public static Task<CliResult> RunWithDsnAsync(string connectionString, params string[] args) =>
        RunAsync(null, ["--dsn", connectionString, .. args]);
}
