using Npgsql;
using Procrastinate.Docs.Tests.Snippets;
using Procrastinate.Generated;
using Procrastinate.PostgreSql;

namespace Procrastinate.Docs.Tests;

/// <summary>The transaction section of docs/tasks-and-defer.md, on PostgreSQL (the in-memory store has no transactions).</summary>
public class TransactionTests : PostgresDatabase
{
    [Fact]
    public async Task Job_ExistsOnlyIfTheTransactionCommits()
    {
        await using var store = new PostgreSqlJobStore(ConnectionString);
        await store.ApplySchemaAsync();
        ProcrastinateApp.Default = new ProcrastinateApp(store, new ProcrastinateAppOptions { Tasks = new TaskRegistry(ProcrastinateDocsTestsTasks.All) });
        await using (var create = store.DataSource.CreateCommand("CREATE TABLE orders (id bigint PRIMARY KEY, email text NOT NULL)"))
        {
            await create.ExecuteNonQueryAsync();
        }

        await PlaceOrderAsync(store.DataSource, 42, "ann@example.com");

        await using (var connection = await store.DataSource.OpenConnectionAsync())
        await using (var transaction = await connection.BeginTransactionAsync())
        {
            await SendReceipt.DeferAsync(transaction, 43, "bob@example.com");
            await transaction.RollbackAsync();
        }

        var job = Assert.Single(await store.ListJobsAsync(new Storage.JobFilter { TaskName = SendReceipt.Name }));
        Assert.Equal("""{"email": "ann@example.com", "order_id": 42, "copyToAccounting": false}""", job.Args);
    }

    private static async Task PlaceOrderAsync(NpgsqlDataSource dataSource, long orderId, string email)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();

        await using var insert = new NpgsqlCommand("INSERT INTO orders (id, email) VALUES ($1, $2)", connection, transaction);
        insert.Parameters.Add(new() { Value = orderId });
        insert.Parameters.Add(new() { Value = email });
        await insert.ExecuteNonQueryAsync();

        // The receipt job is inserted in the same transaction: no order without its receipt, and no receipt without its order.
        await SendReceipt.DeferAsync(transaction, orderId, email);

        await transaction.CommitAsync();
    }
}
