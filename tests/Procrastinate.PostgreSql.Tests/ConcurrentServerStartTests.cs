using Procrastinate.PostgreSql.Tests.WorkerIntegration;

namespace Procrastinate.PostgreSql.Tests;

/// <summary>Several test processes starting throwaway clusters at once (issue 18, item 6).</summary>
public sealed class ConcurrentServerStartTests
{
    private static readonly TimeSpan WaitLimit = TimeSpan.FromMinutes(4);

    [Fact]
    public async Task StartAsync_InSeveralProcessesAtOnce_EveryClusterServes()
    {
        const int processes = 4;
        var starts = Enumerable.Range(0, processes)
            .Select(_ => WorkerProcess.Start(
                Path.Combine(AppContext.BaseDirectory, "Procrastinate.TestWorker.dll"),
                new Dictionary<string, string>(),
                ["start-server"]))
            .ToList();
        try
        {
            var codes = await Task.WhenAll(starts.Select(start => start.WaitForExitAsync(WaitLimit)));

            for (var i = 0; i < processes; i++)
            {
                Assert.True(codes[i] == 0, $"Process {i} exited with {codes[i]}:{Environment.NewLine}{starts[i].Output}");
                Assert.Contains("server ok", starts[i].Output, StringComparison.Ordinal);
            }
        }
        finally
        {
            foreach (var start in starts)
            {
                start.Dispose();
            }
        }
    }
}
