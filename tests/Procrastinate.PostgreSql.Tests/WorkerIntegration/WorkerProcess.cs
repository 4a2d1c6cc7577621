using System.Collections.Concurrent;
using System.Diagnostics;

namespace Procrastinate.PostgreSql.Tests.WorkerIntegration;

/// <summary>A worker executable (tests/Procrastinate.TestWorker, or a sample) run as a child process, its output kept.</summary>
internal sealed class WorkerProcess : IDisposable
{
    // Linked into other test projects, so it keeps its own limit rather than WorkerHarness's.
    private static readonly TimeSpan WaitLimit = TimeSpan.FromSeconds(30);
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _lines = new();

    private WorkerProcess(Process process)
    {
        _process = process;
    }

    /// <summary>Runs the test worker; <paramref name="settings"/> adds <c>PROCRASTINATE_TEST_WORKER_*</c> variables (name without the prefix).</summary>
    public static WorkerProcess Start(string connectionString, TimeSpan heartbeat, IReadOnlyDictionary<string, string>? settings = null)
    {
        var environment = new Dictionary<string, string>
        {
            ["PROCRASTINATE_TEST_WORKER_DSN"] = connectionString,
            ["PROCRASTINATE_TEST_WORKER_HEARTBEAT_MS"] = heartbeat.TotalMilliseconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        foreach (var (name, value) in settings ?? new Dictionary<string, string>())
        {
            environment["PROCRASTINATE_TEST_WORKER_" + name] = value;
        }

        return Start(Path.Combine(AppContext.BaseDirectory, "Procrastinate.TestWorker.dll"), environment);
    }

    /// <summary>Runs <c>dotnet <paramref name="dll"/></c> in the dll's directory (where its appsettings.json is).</summary>
    public static WorkerProcess Start(string dll, IReadOnlyDictionary<string, string> environment, IReadOnlyList<string>? arguments = null)
    {
        Assert.True(File.Exists(dll), $"The worker is not built: {dll}");
        var startInfo = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Path.GetDirectoryName(dll)!,
        };
        startInfo.ArgumentList.Add(dll);
        foreach (var argument in arguments ?? [])
        {
            startInfo.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in environment)
        {
            startInfo.Environment[name] = value;
        }

        var process = new Process { StartInfo = startInfo };
        var worker = new WorkerProcess(process);
        process.OutputDataReceived += (_, e) => worker.Keep(e.Data);
        process.ErrorDataReceived += (_, e) => worker.Keep(e.Data is null ? null : "stderr: " + e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return worker;
    }

    public bool HasExited => _process.HasExited;

    public string Output => string.Join(Environment.NewLine, _lines);

    /// <summary>Waits for an output line starting with <paramref name="prefix"/>; fails with the output so far.</summary>
    public async Task<string> WaitForLineAsync(string prefix)
    {
        var deadline = DateTime.UtcNow + WaitLimit;
        while (true)
        {
            var line = _lines.FirstOrDefault(l => l.StartsWith(prefix, StringComparison.Ordinal));
            if (line is not null)
            {
                return line;
            }

            if (_process.HasExited || DateTime.UtcNow > deadline)
            {
                Assert.Fail($"The worker did not print '{prefix}…' (exited: {_process.HasExited}). Output:{Environment.NewLine}{Output}");
            }

            await Task.Delay(20);
        }
    }

    /// <summary>Waits for the process to exit on its own; returns its exit code, failing with the output after <paramref name="timeout"/>.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        try
        {
            await _process.WaitForExitAsync().WaitAsync(timeout);
        }
        catch (TimeoutException)
        {
            Assert.Fail($"The process did not exit within {timeout}. Output:{Environment.NewLine}{Output}");
        }

        // The no-argument wait also drains the redirected output, so Output is complete.
        await _process.WaitForExitAsync();
        return _process.ExitCode;
    }

    /// <summary>SIGKILL: the process ends at once, with no chance to clean up.</summary>
    public async Task KillAsync()
    {
        _process.Kill(entireProcessTree: false);
        await _process.WaitForExitAsync().WaitAsync(WaitLimit);
    }

    /// <summary>SIGTERM, as a service manager stops a service; returns the exit code, failing with the output.</summary>
    public async Task<int> TerminateAsync(TimeSpan timeout)
    {
        await SignalAsync("TERM");
        return await WaitForExitAsync(timeout);
    }

    /// <summary>Sends the signal <paramref name="name"/> (TERM, INT…) without waiting for the process.</summary>
    public async Task SignalAsync(string name)
    {
        using var kill = Process.Start("kill", ["-" + name, _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        await kill!.WaitForExitAsync();
        Assert.True(kill.ExitCode == 0, $"kill -{name} {_process.Id} failed with {kill.ExitCode}");
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        _process.Dispose();
    }

    private void Keep(string? line)
    {
        if (line is not null)
        {
            _lines.Enqueue(line);
        }
    }
}
