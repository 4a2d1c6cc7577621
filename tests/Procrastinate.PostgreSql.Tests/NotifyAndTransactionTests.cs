using Npgsql;
using Procrastinate.PostgreSql.Tests.Infrastructure;
using Procrastinate.Storage;

namespace Procrastinate.PostgreSql.Tests;

/// <summary>
/// What only PostgreSQL has: the exact NOTIFY channels and payloads Python workers read, caller transactions, the id
/// sequence. Everything else the store does is in the store contract suite (Contract/), shared with the in-memory store.
/// </summary>
public sealed class NotifyAndTransactionTests : PostgresTest
{
    public NotifyAndTransactionTests(DatabaseFixture database)
        : base(database)
    {
    }

    [Fact]
    public async Task Defer_NotifiesBothChannels_WithTheContractsExactPayload()
    {
        await using var listener = await RawListener.StartAsync(Database.ConnectionString, "procrastinate_any_queue_v1", "procrastinate_queue_v1#emails");

        var id = await DeferAsync(Job(queue: "emails"));

        var expected = $$"""{"type" : "job_inserted", "job_id" : {{id}}}""";
        var first = await listener.NextAsync();
        var second = await listener.NextAsync();
        Assert.Equal(
            [("procrastinate_any_queue_v1", expected), ("procrastinate_queue_v1#emails", expected)],
            new[] { first, second }.OrderBy(n => n.Channel, StringComparer.Ordinal));
    }

    [Fact]
    public async Task Defer_InACommittedTransaction_ExistsAndNotifiesOnlyAfterCommit()
    {
        await using var listener = await RawListener.StartAsync(Database.ConnectionString, "procrastinate_any_queue_v1");
        await using var connection = new NpgsqlConnection(Database.ConnectionString);
        await connection.OpenAsync();
        await using var transaction = await connection.BeginTransactionAsync();

        var id = (await Store.DeferJobsAsync([Job()], transaction))[0];
        Assert.Equal(0, await Database.CountJobsAsync());
        await transaction.CommitAsync();

        Assert.Equal(JobStatus.Todo, (await GetJobAsync(id)).Status);
        Assert.Equal($$"""{"type" : "job_inserted", "job_id" : {{id}}}""", (await listener.NextAsync()).Payload);
    }

    [Fact]
    public async Task Defer_InARolledBackTransaction_LeavesNoRowAndSendsNoNotification()
    {
        await using var listener = await RawListener.StartAsync(Database.ConnectionString, "procrastinate_any_queue_v1");
        await using (var connection = new NpgsqlConnection(Database.ConnectionString))
        {
            await connection.OpenAsync();
            await using var transaction = await connection.BeginTransactionAsync();
            await Store.DeferJobsAsync([Job(args: """{"rolled": "back"}"""), Job()], transaction);
            await transaction.RollbackAsync();
        }

        Assert.Equal(0, await Database.CountJobsAsync());
        var marker = await DeferAsync(Job());
        // Notifications arrive in commit order: the first one must be the marker's, so the rollback sent none.
        Assert.Equal($$"""{"type" : "job_inserted", "job_id" : {{marker}}}""", (await listener.NextAsync()).Payload);
    }

    [Theory]
    [InlineData("a-queue-name-that-is-exactly-41-bytes-xyz")]
    [InlineData("ééééééééééééééééééééé")] // 21 characters, 42 bytes
    public async Task Defer_QueueNameOver40Bytes_ThrowsArgumentException_BeforeTheDatabase(string queue)
    {
        await Assert.ThrowsAsync<ArgumentException>(async () => await DeferAsync(Job(queue: queue)));
        await Assert.ThrowsAsync<ArgumentException>(async () => await Store.DeferJobsAsync([Job(), Job(queue: queue)]));

        Assert.Equal(0, await Database.ScalarAsync<long>("SELECT last_value FROM procrastinate_jobs_id_seq WHERE is_called"));
    }

    [Fact]
    public async Task Defer_QueueNameOf40Bytes_Works()
    {
        var queue = new string('q', 40);
        await using var listener = await RawListener.StartAsync(Database.ConnectionString, "procrastinate_queue_v1#" + queue);

        var id = await DeferAsync(Job(queue: queue));

        Assert.Equal($$"""{"type" : "job_inserted", "job_id" : {{id}}}""", (await listener.NextAsync()).Payload);
    }

    [Fact]
    public async Task CancelWithAbort_DoingJob_NotifiesBothChannels_WithTheContractsExactPayload()
    {
        var (id, _) = await StartJobAsync(Job(queue: "jobs"));
        await using var listener = await RawListener.StartAsync(Database.ConnectionString, "procrastinate_any_queue_v1", "procrastinate_queue_v1#jobs");

        Assert.True(await Store.CancelJobAsync(id, abort: true));

        var expected = $$"""{"type" : "abort_job_requested", "job_id" : {{id}}}""";
        var notifications = new[] { await listener.NextAsync(), await listener.NextAsync() };
        Assert.Equal(
            [("procrastinate_any_queue_v1", expected), ("procrastinate_queue_v1#jobs", expected)],
            notifications.OrderBy(n => n.Channel, StringComparer.Ordinal));
    }

    [Fact]
    public async Task Defer_InAFinishedTransaction_ThrowsInvalidOperation()
    {
        await using var connection = new NpgsqlConnection(Database.ConnectionString);
        await connection.OpenAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await transaction.CommitAsync();

        await Assert.ThrowsAsync<InvalidOperationException>(async () => await Store.DeferJobsAsync([Job()], transaction));

        Assert.Equal(0, await Database.CountJobsAsync());
    }
}
