using Procrastinate.PostgreSql.Tests.Infrastructure;
using Procrastinate.TestWorker;

namespace Procrastinate.PostgreSql.Tests.WorkerIntegration;

/// <summary>
/// A job whose run kills its worker process does not loop forever: each lost run counts as an attempt against its
/// task's retry strategy, and once none is left the job fails, with a line saying the worker was lost (issue 18, item 2).
/// </summary>
public sealed class LostWorkerTests : PostgresTest
{
    private static readonly TimeSpan Heartbeat = TimeSpan.FromMilliseconds(300);

    // Per process: it registers, waits for the stalled timeout of the one before (10 heartbeats), recovers the job and
    // dies running it. Generous: the machine may be loaded, and the loop ends as soon as the job is failed.
    private static readonly TimeSpan ProcessLimit = TimeSpan.FromSeconds(90);

    public LostWorkerTests(DatabaseFixture database)
        : base(database)
    {
    }

    [Fact]
    public async Task AJobThatKillsEveryWorkerRunningIt_FailsOnceItsRetriesAreSpent_AndTheLastWorkerLives()
    {
        var app = new ProcrastinateApp(Store, new ProcrastinateAppOptions { Tasks = new TaskRegistry([KillProcess.Definition]) });
        var id = await KillProcess.Configure(app: app).DeferAsync("poison");
        var settings = new Dictionary<string, string> { ["LOG"] = "1" };

        // Worker processes one after the other, each started once the one before has died; at most one more than the
        // task's runs (1 + 2 retries), so a loop shows as a failure, not a hang.
        var died = new List<int>();
        WorkerProcess? survivor = null;
        for (var started = 0; started < 5 && survivor is null; started++)
        {
            var child = WorkerProcess.Start(Database.ConnectionString, Heartbeat, settings);
            var deadline = DateTime.UtcNow + ProcessLimit;
            while (!child.HasExited && await StatusAsync(id) != JobStatus.Failed)
            {
                Assert.True(DateTime.UtcNow < deadline, $"Worker process {started + 1} neither died nor saw the job fail. Output:{Environment.NewLine}{child.Output}");
                await Task.Delay(50);
            }

            if (child.HasExited)
            {
                var code = await child.WaitForExitAsync(ProcessLimit);
                Assert.True(code != 0, $"Worker process {started + 1} exited with 0. Output:{Environment.NewLine}{child.Output}");
                Assert.Contains($"started {id} poison", child.Output, StringComparison.Ordinal);
                died.Add(code);
                child.Dispose();
            }
            else
            {
                survivor = child;
            }
        }

        Assert.NotNull(survivor);
        using (survivor)
        {
            Assert.Equal(3, died.Count);
            var job = await GetJobAsync(id);
            Assert.Equal((JobStatus.Failed, 3), (job.Status, job.Attempts));
            // Without "scheduled": the contract's trigger records one on any update of a waiting job, e.g. when a new
            // process's registration prunes a dead one and its id leaves the job.
            Assert.Equal(
                ["deferred", "started", "deferred_for_retry", "started", "deferred_for_retry", "started", "failed"],
                (await Database.EventsAsync(id)).Where(e => e != "scheduled"));

            // The survivor ends normally once it has started (it recovers the job while it enrols, so the job can be
            // failed before it fetches); its log names the lost worker and the failure.
            await survivor.WaitForLineAsync("worker ");
            var code = await survivor.TerminateAsync(ProcessLimit);
            Assert.True(code == 0, $"Exit code {code}. Output:{Environment.NewLine}{survivor.Output}");
            var line = Assert.Single(survivor.Output.Split(Environment.NewLine), l => l.Contains("lost its worker", StringComparison.Ordinal));
            Assert.Contains($"testworker.fail_fast[{id}]", line, StringComparison.Ordinal);
            Assert.Contains("attempt 3 ended without an outcome; Error: no attempt left", line, StringComparison.Ordinal);
            Assert.StartsWith("fail:", line, StringComparison.Ordinal);
            Assert.DoesNotContain($"started {id} ", survivor.Output, StringComparison.Ordinal);
            Assert.Equal(0, await Database.ScalarAsync<long>("SELECT count(*) FROM procrastinate_jobs WHERE status = 'doing'"));
        }
    }

    private async Task<JobStatus?> StatusAsync(long id) => await Store.GetJobStatusAsync(id);
}
