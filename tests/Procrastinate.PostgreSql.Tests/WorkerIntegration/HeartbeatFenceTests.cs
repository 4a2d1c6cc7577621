using System.Globalization;
using Procrastinate.TestWorker;

namespace Procrastinate.PostgreSql.Tests.WorkerIntegration;

/// <summary>
/// PostgreSQL stopped for longer than the stalled timeout while long jobs run on two worker processes (on a server of
/// this class's own): each worker fences itself before the others may take its jobs for stalled, so no job ever has
/// two live runs; once the server is back the jobs run again and succeed (issue 18, item 3).
/// </summary>
public sealed class HeartbeatFenceTests : IClassFixture<DedicatedServerFixture>, IDisposable
{
    private const int Jobs = 6;
    private const int JobMilliseconds = 10_000;
    private static readonly TimeSpan Heartbeat = TimeSpan.FromMilliseconds(300);

    // The test worker's stalled timeout: ten heartbeats (its fence comes at 5.5).
    private static readonly TimeSpan StalledTimeout = Heartbeat * 10;
    private static readonly TimeSpan WaitLimit = TimeSpan.FromSeconds(120);
    private readonly DedicatedServerFixture _fixture;
    private readonly string _runs = Directory.CreateTempSubdirectory("procrastinate-fence-").FullName;

    public HeartbeatFenceTests(DedicatedServerFixture fixture)
    {
        _fixture = fixture;
    }

    [Fact]
    public async Task ServerStoppedLongerThanTheStalledTimeout_NoJobRunsTwiceAtOnce_AndEveryJobSucceeds()
    {
        var connectionString = await _fixture.CreateDatabaseAsync();
        await using var store = new PostgreSqlJobStore(connectionString);
        var settings = new Dictionary<string, string> { ["CONCURRENCY"] = "3", ["LOG"] = "1" };
        using var first = WorkerProcess.Start(connectionString, Heartbeat, settings);
        using var second = WorkerProcess.Start(connectionString, Heartbeat, settings);
        await first.WaitForLineAsync("worker ");
        await second.WaitForLineAsync("worker ");
        var app = new ProcrastinateApp(store, new ProcrastinateAppOptions { Tasks = new TaskRegistry([RecordRun.Definition]) });
        var ids = await RecordRun.Configure(app: app).BatchDeferAsync(
            Enumerable.Range(0, Jobs).Select(_ => new RecordRun.Args(_runs, JobMilliseconds)));
        await UntilAsync(() => Runs().Select(r => r.JobId).Distinct().Count() == Jobs, "every job to start");

        await _fixture.Server.StopAsync();
        try
        {
            // Both workers fence themselves, then the outage goes on past the stalled timeout.
            await UntilAsync(() => Fenced(first) && Fenced(second), "both workers to fence themselves", first, second);
            await Task.Delay(StalledTimeout + TimeSpan.FromSeconds(1));
        }
        finally
        {
            await _fixture.Server.StartAgainAsync();
        }

        await UntilAsync(
            async () =>
            {
                try
                {
                    return (await store.ListJobsAsync(new Storage.JobFilter { Status = JobStatus.Succeeded })).Count == Jobs;
                }
                catch (Storage.StoreUnavailableException)
                {
                    return false; // A pooled connection of before the restart.
                }
            },
            "every job to succeed",
            first,
            second);

        var runs = Runs();
        Assert.All(runs, run => Assert.True(run.End is not null, $"A run of job {run.JobId} has no end: {run.File}"));
        foreach (var job in runs.GroupBy(r => r.JobId))
        {
            var ordered = job.OrderBy(r => r.Start).ToList();
            Assert.True(ordered.Count >= 2, $"Job {job.Key} ran once: it was not running on a fenced worker.");
            for (var i = 1; i < ordered.Count; i++)
            {
                Assert.True(
                    ordered[i].Start >= ordered[i - 1].End,
                    $"Job {job.Key} had two live runs: one from {ordered[i - 1].Start:O} to {ordered[i - 1].End:O}, another from {ordered[i].Start:O}.");
            }
        }

        Assert.All(await store.ListJobsAsync(Storage.JobFilter.All), j => Assert.Equal(2, j.Attempts));
        Assert.Equal(0, await first.TerminateAsync(WaitLimit));
        Assert.Equal(0, await second.TerminateAsync(WaitLimit));
    }

    public void Dispose() => Directory.Delete(_runs, recursive: true);

    private static bool Fenced(WorkerProcess worker) => worker.Output.Contains("fencing this worker", StringComparison.Ordinal);

    private static Task UntilAsync(Func<bool> condition, string what, params WorkerProcess[] workers) =>
        UntilAsync(() => Task.FromResult(condition()), what, workers);

    private static async Task UntilAsync(Func<Task<bool>> condition, string what, params WorkerProcess[] workers)
    {
        var deadline = DateTime.UtcNow + WaitLimit;
        while (!await condition())
        {
            Assert.True(
                DateTime.UtcNow < deadline,
                $"Timed out waiting for {what}. Output:{Environment.NewLine}{string.Join(Environment.NewLine + "----" + Environment.NewLine, workers.Select(w => w.Output))}");
            await Task.Delay(100);
        }
    }

    private List<Run> Runs() => Directory.GetFiles(_runs, "*.run").Select(Run.Read).Where(r => r is not null).Select(r => r!).ToList();

    private sealed record Run(string File, long JobId, DateTime Start, DateTime? End)
    {
        public static Run? Read(string file)
        {
            var lines = System.IO.File.ReadAllLines(file);
            var start = Time(lines, "start ");
            return start is null
                ? null
                : new Run(file, long.Parse(Path.GetFileName(file).Split('.')[0], CultureInfo.InvariantCulture), start.Value, Time(lines, "end "));
        }

        private static DateTime? Time(string[] lines, string prefix) =>
            lines.FirstOrDefault(l => l.StartsWith(prefix, StringComparison.Ordinal)) is { } line
                ? new DateTime(long.Parse(line[prefix.Length..], CultureInfo.InvariantCulture), DateTimeKind.Utc)
                : null;
    }
}
