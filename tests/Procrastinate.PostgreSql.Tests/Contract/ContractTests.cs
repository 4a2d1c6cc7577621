using Procrastinate.PostgreSql.Tests.Infrastructure;
using Procrastinate.StoreContract;

namespace Procrastinate.PostgreSql.Tests.Contract;

// The store contract suite on PostgreSQL, one database per class; tests/Procrastinate.Testing.Tests runs the same
// on the in-memory store.

public sealed class PostgreSqlDeferContract(DatabaseFixture database) : DeferContract(new PostgreSqlHarness(database)), IClassFixture<DatabaseFixture>;

public sealed class PostgreSqlRulesContract(DatabaseFixture database) : RulesContract(new PostgreSqlHarness(database)), IClassFixture<DatabaseFixture>;

public sealed class PostgreSqlFetchContract(DatabaseFixture database) : FetchContract(new PostgreSqlHarness(database)), IClassFixture<DatabaseFixture>;

public sealed class PostgreSqlTransitionContract(DatabaseFixture database) : TransitionContract(new PostgreSqlHarness(database)), IClassFixture<DatabaseFixture>;

public sealed class PostgreSqlWorkerContract(DatabaseFixture database) : WorkerContract(new PostgreSqlHarness(database)), IClassFixture<DatabaseFixture>;

public sealed class PostgreSqlListingContract(DatabaseFixture database) : ListingContract(new PostgreSqlHarness(database)), IClassFixture<DatabaseFixture>;

public sealed class PostgreSqlNotificationContract(DatabaseFixture database) : NotificationContract(new PostgreSqlHarness(database)), IClassFixture<DatabaseFixture>;

public sealed class PostgreSqlInspectionContract(DatabaseFixture database) : InspectionContract(new PostgreSqlHarness(database)), IClassFixture<DatabaseFixture>;
