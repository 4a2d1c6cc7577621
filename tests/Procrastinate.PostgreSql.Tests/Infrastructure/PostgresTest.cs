using Procrastinate.PostgreSql;
using Procrastinate.StoreContract;

namespace Procrastinate.PostgreSql.Tests.Infrastructure;

/// <summary>A test class on its own database; every test starts with empty tables.</summary>
public abstract class PostgresTest : JobStoreTest<PostgreSqlJobStore>, IClassFixture<DatabaseFixture>
{
    protected PostgresTest(DatabaseFixture database)
    {
        Database = database;
    }

    protected DatabaseFixture Database { get; }

    protected override PostgreSqlJobStore Store => Database.Store;

    public override Task InitializeAsync() => Database.ResetAsync();
}
