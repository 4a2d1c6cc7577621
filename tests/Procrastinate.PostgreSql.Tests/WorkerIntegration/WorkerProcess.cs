using System.Collections.Concurrent;
using System.Diagnostics;

namespace Procrastinate.PostgreSql.Tests.WorkerIntegration;

/// <summary>The test worker executable (tests/Procrastinate.TestWorker) run as a child process, its output kept.</summary>
internal sealed class WorkerProcess : IDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _lines = new();

    private WorkerProcess(Process process)
    {
        _process = process;
    }

    public static WorkerProcess Start(string connectionString, TimeSpan heartbeat)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "Procrastinate.TestWorker.dll");
        Assert.True(File.Exists(dll), $"The test worker is not built next to the tests: {dll}");
        var startInfo = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        startInfo.ArgumentList.Add(dll);
        startInfo.Environment["PROCRASTINATE_TEST_WORKER_DSN"] = connectionString;
        startInfo.Environment["PROCRASTINATE_TEST_WORKER_HEARTBEAT_MS"] = heartbeat.TotalMilliseconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
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
        var deadline = DateTime.UtcNow + WorkerHarness.WaitLimit;
        while (true)
        {
            var line = _lines.FirstOrDefault(l => l.StartsWith(prefix, StringComparison.Ordinal));
            if (line is not null)
            {
                return line;
            }

            if (_process.HasExited || DateTime.UtcNow > deadline)
            {
                Assert.Fail($"The test worker did not print '{prefix}…' (exited: {_process.HasExited}). Output:{Environment.NewLine}{Output}");
            }

            await Task.Delay(20);
        }
    }

    /// <summary>SIGKILL: the process ends at once, with no chance to clean up.</summary>
    public async Task KillAsync()
    {
        _process.Kill(entireProcessTree: false);
        await _process.WaitForExitAsync().WaitAsync(WorkerHarness.WaitLimit);
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
