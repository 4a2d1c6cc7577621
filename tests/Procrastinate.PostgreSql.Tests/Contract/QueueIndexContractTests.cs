using Procrastinate.PostgreSql.Tests.Infrastructure;
using Procrastinate.StoreContract;

namespace Procrastinate.PostgreSql.Tests.Contract;

// The fetching parts of the store contract suite again, on a database holding the queue index extension, where
// one-queue fetches use their own statement.

/// <summary>A class's database with <see cref="PostgreSqlSchemaManager.ApplyQueueIndexAsync"/> applied.</summary>
public sealed class QueueIndexDatabaseFixture : IAsyncLifetime
{
    public DatabaseFixture Database { get; } = new();

    public async Task InitializeAsync()
    {
        await Database.InitializeAsync();
        await Database.Store.Schema.ApplyQueueIndexAsync();
    }

    public Task DisposeAsync() => Database.DisposeAsync();
}

public sealed class PostgreSqlFetchContractWithQueueIndex(QueueIndexDatabaseFixture fixture)
    : FetchContract(new PostgreSqlHarness(fixture.Database)), IClassFixture<QueueIndexDatabaseFixture>;

public sealed class PostgreSqlWorkerContractWithQueueIndex(QueueIndexDatabaseFixture fixture)
    : WorkerContract(new PostgreSqlHarness(fixture.Database)), IClassFixture<QueueIndexDatabaseFixture>;

public sealed class PostgreSqlTransitionContractWithQueueIndex(QueueIndexDatabaseFixture fixture)
    : TransitionContract(new PostgreSqlHarness(fixture.Database)), IClassFixture<QueueIndexDatabaseFixture>;
