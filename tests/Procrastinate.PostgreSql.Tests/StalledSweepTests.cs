using Npgsql;
using Procrastinate.PostgreSql.Tests.Infrastructure;
using Procrastinate.Storage;

namespace Procrastinate.PostgreSql.Tests;

/// <summary>The stalled-job sweep against a concurrent transaction; the rest of it is in the store contract suite.</summary>
public sealed class StalledSweepTests : PostgresTest
{
    public StalledSweepTests(DatabaseFixture database)
        : base(database)
    {
    }

    [Fact]
    public async Task RetryStalledJobs_WhenAQueueingLockIsTakenDuringTheSweep_SweepsAgainAndFailsThatJob()
    {
        var (stalled, worker) = await StartJobAsync(Job(queueingLock: "QL"));
        await Store.UnregisterWorkerAsync(worker);
        await using var deferring = new NpgsqlConnection(Database.ConnectionString);
        await deferring.OpenAsync();
        await using var transaction = await deferring.BeginTransactionAsync();
        await using (var insert = new NpgsqlCommand(
            "INSERT INTO procrastinate_jobs (queue_name, task_name, queueing_lock) VALUES ('default', 'tests.task', 'QL')",
            deferring,
            transaction))
        {
            await insert.ExecuteNonQueryAsync();
        }

        // The sweep's snapshot misses the uncommitted job, so putting the stalled one back to todo waits on it.
        var sweep = Store.RetryStalledJobsAsync(TimeSpan.FromSeconds(30)).AsTask();
        await WaitForALockWaitAsync();
        await transaction.CommitAsync();

        Assert.Equal([(stalled, JobStatus.Failed)], (await sweep.WaitAsync(TimeSpan.FromSeconds(60))).Select(r => (r.Job.Id, r.Status)));
        var job = await GetJobAsync(stalled);
        Assert.Equal((JobStatus.Failed, 1), (job.Status, job.Attempts));
        Assert.Single(await Store.ListJobsAsync(new JobFilter { QueueingLock = "QL", Status = JobStatus.Todo }));
    }

    private async Task WaitForALockWaitAsync()
    {
        await using var connection = new NpgsqlConnection(Database.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'",
            connection);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while ((long)(await command.ExecuteScalarAsync())! == 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "the sweep never waited on the uncommitted job's queueing lock");
            await Task.Delay(20);
        }
    }
}
