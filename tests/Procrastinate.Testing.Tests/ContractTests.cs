using Procrastinate.StoreContract;

namespace Procrastinate.Testing.Tests;

// The store contract suite on the in-memory store; tests/Procrastinate.PostgreSql.Tests runs the same on PostgreSQL.

public sealed class InMemoryDeferContract() : DeferContract(new InMemoryHarness());

public sealed class InMemoryFetchContract() : FetchContract(new InMemoryHarness());

public sealed class InMemoryTransitionContract() : TransitionContract(new InMemoryHarness());

public sealed class InMemoryWorkerContract() : WorkerContract(new InMemoryHarness());

public sealed class InMemoryListingContract() : ListingContract(new InMemoryHarness());

public sealed class InMemoryNotificationContract() : NotificationContract(new InMemoryHarness());

public sealed class InMemoryInspectionContract() : InspectionContract(new InMemoryHarness());

public sealed class InMemoryRulesContract() : RulesContract(new InMemoryHarness());
