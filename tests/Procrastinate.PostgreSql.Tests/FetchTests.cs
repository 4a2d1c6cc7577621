using Npgsql;
using Procrastinate.PostgreSql.Tests.Infrastructure;
using Procrastinate.Storage;

namespace Procrastinate.PostgreSql.Tests;

/// <summary>
/// Batched fetching against the contract's own one-job function; the rest of fetching is in the store contract suite.
/// </summary>
public sealed class FetchTests : PostgresTest
{
    public FetchTests(DatabaseFixture database)
        : base(database)
    {
    }

    [Fact]
    public async Task FetchBatch_TakesTheSameJobsAsOneAtATimeFetches()
    {
        var jobs = Enumerable.Range(0, 30).Select(i => Job(
            queue: i % 5 == 0 ? "other" : "main",
            @lock: i % 3 == 0 ? null : "lock-" + (i % 4),
            priority: i % 3,
            scheduledAt: i % 7 == 0 ? DateTimeOffset.UtcNow.AddHours(1) : null)).ToList();
        await Store.DeferJobsAsync(jobs);
        var worker = await Store.RegisterWorkerAsync();

        var batch = (await Store.FetchJobsAsync(new FetchJobsParams(worker, ["main"], 100))).Select(j => j.Id).ToList();

        await Database.ResetAsync();
        await Store.DeferJobsAsync(jobs);
        worker = await Store.RegisterWorkerAsync();
        var oneByOne = new List<long>();
        await using (var connection = await Store.DataSource.OpenConnectionAsync())
        {
            while (true)
            {
                await using var command = new NpgsqlCommand("SELECT id FROM procrastinate_fetch_job_v2(ARRAY['main']::varchar[], $1)", connection);
                command.Parameters.Add(new NpgsqlParameter { Value = worker });
                if (await command.ExecuteScalarAsync() is not long id)
                {
                    break;
                }

                oneByOne.Add(id);
            }
        }

        Assert.NotEmpty(batch);
        Assert.Equal(oneByOne, batch);
    }
}
