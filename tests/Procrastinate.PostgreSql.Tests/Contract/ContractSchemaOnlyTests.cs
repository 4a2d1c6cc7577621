using Procrastinate.PostgreSql.Tests.Infrastructure;
using Procrastinate.StoreContract;

namespace Procrastinate.PostgreSql.Tests.Contract;

// The fetching parts of the store contract suite again, on a database holding the contract's objects only (a schema
// Python Procrastinate applied, without our queue index), where every fetch uses the contract's statement.

/// <summary>A class's database without <see cref="PostgreSqlSchemaManager.QueueIndexName"/>.</summary>
public sealed class ContractSchemaOnlyDatabaseFixture : IAsyncLifetime
{
    public DatabaseFixture Database { get; } = new();

    public async Task InitializeAsync()
    {
        await Database.InitializeAsync();
        await Database.ExecuteAsync($"DROP INDEX {PostgreSqlSchemaManager.QueueIndexName}");
    }

    public Task DisposeAsync() => Database.DisposeAsync();
}

public sealed class PostgreSqlFetchContractOnContractSchemaOnly(ContractSchemaOnlyDatabaseFixture fixture)
    : FetchContract(new PostgreSqlHarness(fixture.Database)), IClassFixture<ContractSchemaOnlyDatabaseFixture>;

public sealed class PostgreSqlWorkerContractOnContractSchemaOnly(ContractSchemaOnlyDatabaseFixture fixture)
    : WorkerContract(new PostgreSqlHarness(fixture.Database)), IClassFixture<ContractSchemaOnlyDatabaseFixture>;

public sealed class PostgreSqlTransitionContractOnContractSchemaOnly(ContractSchemaOnlyDatabaseFixture fixture)
    : TransitionContract(new PostgreSqlHarness(fixture.Database)), IClassFixture<ContractSchemaOnlyDatabaseFixture>;
