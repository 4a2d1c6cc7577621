using System.Globalization;
using Npgsql;
using Procrastinate.PostgreSql.Internal;

namespace Procrastinate.PostgreSql;

/// <summary>
/// Applies, prints and checks Procrastinate's schema (the objects of Procrastinate 3.9's contract, see SCHEMA.md)
/// and lists the migrations. Obtain it from <see cref="PostgreSqlJobStore.Schema"/>.
/// </summary>
public sealed class PostgreSqlSchemaManager
{
    /// <summary>
    /// The name of Procrastinate for .NET's queue index (<see cref="ApplyQueueIndexAsync"/>); the <c>dotnet</c> part
    /// keeps it clear of Procrastinate's own <c>procrastinate_jobs_*_v1</c> names.
    /// </summary>
    public const string QueueIndexName = "procrastinate_dotnet_jobs_queue_todo_idx";

    /// <summary>
    /// The name of Procrastinate for .NET's worker index (one of the objects <see cref="ApplyOwnObjectsAsync"/> adds):
    /// each worker's jobs, which removing a worker (it unregisters, or is pruned as stalled) looks up through the
    /// contract's foreign key, and would otherwise find by reading the whole jobs table.
    /// </summary>
    public const string WorkerIndexName = "procrastinate_dotnet_jobs_worker_idx";

    /// <summary>Our own indexes, in the order they are created: each a name and its SQL file (one statement).</summary>
    private static readonly (string Name, string Resource)[] OwnIndexes =
    [
        (QueueIndexName, "extensions/queue_index.sql"),
        (WorkerIndexName, "extensions/worker_index.sql"),
    ];

    private readonly StoreConnections _connections;
    private readonly ExtensionProbe _queueIndex;
    private readonly ExtensionProbe _jobErrors;

    internal PostgreSqlSchemaManager(StoreConnections connections, ExtensionProbe queueIndex, ExtensionProbe jobErrors)
    {
        _connections = connections;
        _queueIndex = queueIndex;
        _jobErrors = jobErrors;
    }

    /// <summary>The SQL that creates the whole schema on an empty database (what <c>schema --read</c> prints).</summary>
    public static string GetSchemaSql() => SqlResources.Read("schema.sql");

    /// <summary>
    /// The migrations embedded in this library, in the order to apply them; see the naming and pre/post discipline
    /// in <c>Sql/migrations/README.md</c>.
    /// </summary>
    public static IReadOnlyList<SchemaMigration> GetMigrations() =>
        SqlResources.List("migrations")
            .Select(name => SchemaMigration.Parse(name["migrations/".Length..], SqlResources.Read(name)))
            .OrderBy(m => m.Number)
            .ThenBy(m => m.Phase)
            .ToList();

    /// <summary>Whether the schema's jobs table is visible on the store's search path.</summary>
    /// <exception cref="ProcrastinateException">The server is unreachable.</exception>
    public async Task<bool> IsAppliedAsync(CancellationToken cancellationToken = default)
    {
        var connection = await _connections.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            using var command = new NpgsqlCommand(SqlQueries.CheckSchema, connection);
            return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is true;
        }
    }

    /// <summary>
    /// Creates the schema in one transaction (nothing is left half-created on failure): Procrastinate 3.9's contract,
    /// then Procrastinate for .NET's own objects that keep fetching and worker removal fast (<see cref="QueueIndexName"/>,
    /// <see cref="WorkerIndexName"/>; see <see cref="ApplyOwnObjectsAsync"/>), which Python Procrastinate never names. When the store was given a schema
    /// name, that PostgreSQL schema is created first if missing.
    /// </summary>
    /// <exception cref="ProcrastinateException">The schema is already applied, or the server is unreachable.</exception>
    public async Task ApplySchemaAsync(CancellationToken cancellationToken = default)
    {
        var connection = await _connections.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await using (transaction.ConfigureAwait(false))
            {
                if (_connections.SchemaNames is [var schema])
                {
                    using var create = new NpgsqlCommand($"CREATE SCHEMA IF NOT EXISTS {SqlIdentifier.Quote(schema)}", connection, transaction);
                    await create.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                }

                using (var check = new NpgsqlCommand(SqlQueries.CheckSchema, connection, transaction))
                {
                    if (await check.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is true)
                    {
                        throw new ProcrastinateException(
                            $"The Procrastinate schema is already applied{Where()} (procrastinate_jobs exists); nothing was " +
                            "changed. Use the schema check to compare it with this version, and migrations to upgrade it.");
                    }
                }

                using (var apply = new NpgsqlCommand(GetSchemaSql(), connection, transaction))
                {
                    await apply.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                }

                // Our own objects too: on the empty table just created, a plain build inside the transaction.
                foreach (var (name, _) in OwnIndexes)
                {
                    using var own = new NpgsqlCommand(OwnIndexSqlInTransaction(name), connection, transaction);
                    await own.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                }

                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>The SQL that creates Procrastinate for .NET's trace context table (outside Procrastinate's contract).</summary>
    public static string GetTraceContextTableSql() => SqlResources.Read("extensions/trace_contexts.sql");

    /// <summary>
    /// Creates the table where the store keeps trace contexts when
    /// <see cref="PostgreSqlJobStoreOptions.StoreTraceContext"/> is on; does nothing if it exists. The table refers to
    /// <c>procrastinate_jobs</c> (its rows go with their job), so the schema must be applied first. Python
    /// Procrastinate ignores it.
    /// </summary>
    /// <exception cref="ProcrastinateException">The server is unreachable.</exception>
    /// <exception cref="Npgsql.PostgresException">The schema is not applied.</exception>
    public async Task ApplyTraceContextTableAsync(CancellationToken cancellationToken = default)
    {
        var connection = await _connections.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            using var apply = new NpgsqlCommand(GetTraceContextTableSql(), connection);
            await apply.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The SQL that creates Procrastinate for .NET's error table (outside Procrastinate's contract).</summary>
    public static string GetJobErrorTableSql() => SqlResources.Read("extensions/job_errors.sql");

    /// <summary>
    /// Creates <c>procrastinate_dotnet_job_errors</c>, where .NET workers keep the exception of each failed attempt
    /// (type, message and details, bounded: see <see cref="Storage.JobError"/>) for the dashboard's job page; does
    /// nothing if it exists. Once it exists, every store writes to it: this one from its next failure, other stores
    /// (other processes) within a minute. The table refers to <c>procrastinate_jobs</c> (its rows go with their job),
    /// so the schema must be applied first. Python Procrastinate ignores it (its failures leave no row).
    /// </summary>
    /// <exception cref="ProcrastinateException">The server is unreachable.</exception>
    /// <exception cref="Npgsql.PostgresException">The schema is not applied.</exception>
    public async Task ApplyJobErrorTableAsync(CancellationToken cancellationToken = default)
    {
        var connection = await _connections.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            using var apply = new NpgsqlCommand(GetJobErrorTableSql(), connection);
            await apply.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        _jobErrors.Forget();
    }

    /// <summary>
    /// The SQL that creates Procrastinate for .NET's queue index (outside Procrastinate's contract): one
    /// <c>CREATE INDEX CONCURRENTLY IF NOT EXISTS</c> statement, which cannot run inside a transaction block.
    /// </summary>
    public static string GetQueueIndexSql() => SqlResources.Read("extensions/queue_index.sql");

    /// <summary>
    /// Creates <see cref="QueueIndexName"/>, the waiting jobs of each queue in fetch order, so that a worker of one
    /// queue no longer walks past the waiting jobs of the queues it does not work; does nothing if it exists. The
    /// index is built <c>CONCURRENTLY</c>: defers, fetches and finishes go on while it builds, which on a large table
    /// can take a while (no command timeout applies; cancel with <paramref name="cancellationToken"/>). An invalid
    /// index left by an interrupted build is dropped and built again. This store uses the index from its next fetch,
    /// other stores (other processes) within a minute; Python Procrastinate neither needs nor minds it.
    /// </summary>
    /// <exception cref="ProcrastinateException">The schema is not applied, or the server is unreachable.</exception>
    public async Task ApplyQueueIndexAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            await ApplyOwnIndexAsync(QueueIndexName, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _queueIndex.Forget();
        }
    }

    /// <summary>
    /// The migration step that brings a database whose schema was applied without them (by Python Procrastinate, by
    /// hand from <see cref="GetSchemaSql"/>, or by an earlier version of this library) up to the objects of our own
    /// that <see cref="ApplySchemaAsync"/> creates: today <see cref="QueueIndexName"/> and <see cref="WorkerIndexName"/>. Each is built
    /// <c>CONCURRENTLY</c> (outside a transaction), so defers, fetches and finishes of every worker, Python's included,
    /// go on while it builds; one that exists and is valid is left alone, an invalid leftover of an interrupted build
    /// is dropped and built again. Safe to run at any time, any number of times. No command timeout applies; cancel
    /// with <paramref name="cancellationToken"/>.
    /// </summary>
    /// <exception cref="ProcrastinateException">The schema is not applied, or the server is unreachable.</exception>
    public async Task ApplyOwnObjectsAsync(CancellationToken cancellationToken = default)
    {
        await ApplyQueueIndexAsync(cancellationToken).ConfigureAwait(false);
        foreach (var (name, _) in OwnIndexes.Where(index => index.Name != QueueIndexName))
        {
            await ApplyOwnIndexAsync(name, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Compares the database's objects with Procrastinate 3.9's contract, fact for fact: enum values and their order,
    /// composite types, columns (type, not null, default, identity), indexes, constraints, triggers (with their
    /// <c>WHEN</c>) and function signatures, as PostgreSQL prints them. Names each missing or different object of
    /// the contract and each unexpected object of Procrastinate's tables or names; lists Procrastinate for .NET's own
    /// objects (<c>procrastinate_dotnet_*</c>) apart in <see cref="SchemaCheckResult.Ours"/>, and those of them that
    /// <see cref="ApplySchemaAsync"/> creates but the database lacks (or holds invalid) in
    /// <see cref="SchemaCheckResult.MissingOurs"/> (<see cref="ApplyOwnObjectsAsync"/> adds them). Other objects of the
    /// PostgreSQL schema are not looked at. Function bodies are not part of the comparison.
    /// </summary>
    /// <exception cref="ProcrastinateException">The server is unreachable.</exception>
    public async Task<SchemaCheckResult> CheckSchemaAsync(CancellationToken cancellationToken = default)
    {
        var actual = await DescribeAsync(cancellationToken).ConfigureAwait(false);
        var result = SchemaCheckResult.Compare(ContractFacts(), actual);
        if (!result.Differences.Any(d => d.IsMissing && d.Name == "procrastinate_jobs.id"))
        {
            var missing = new List<SchemaObject>();
            var connection = await _connections.OpenAsync(cancellationToken).ConfigureAwait(false);
            await using (connection.ConfigureAwait(false))
            {
                foreach (var (name, _) in OwnIndexes)
                {
                    if (!await IsOwnIndexValidAsync(connection, name, cancellationToken).ConfigureAwait(false))
                    {
                        missing.Add(new SchemaObject("index", name, OwnIndexSqlInTransaction(name)));
                    }
                }
            }

            result = result with { MissingOurs = missing };
        }

        return result;
    }

    /// <summary>
    /// Throws when the schema lacks something of the contract or defines it differently (objects it has beyond the
    /// contract do not count: the command line's schema check lists those). The message is one line naming what is
    /// missing or different, by table where a whole table is missing.
    /// </summary>
    /// <exception cref="Storage.SchemaUnusableException">Something is missing or different.</exception>
    /// <exception cref="Storage.StoreUnavailableException">The server is unreachable.</exception>
    internal async Task EnsureUsableAsync(CancellationToken cancellationToken)
    {
        IReadOnlyList<CatalogFact> actual;
        try
        {
            actual = await DescribeAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (NpgsqlException e) when (_connections.Translate(e) is { } translated)
        {
            throw translated;
        }

        var contract = ContractFacts();
        var result = SchemaCheckResult.Compare(contract, actual);
        var problems = result.Differences.Where(d => !d.IsUnexpected).ToList();
        if (problems.Count == 0)
        {
            return;
        }

        if (problems.Count == contract.Count)
        {
            throw new Storage.SchemaUnusableException(
                $"The Procrastinate schema is missing from this database{Where()}: apply it with the command line's " +
                "`schema --apply` or PostgreSqlJobStore.ApplySchemaAsync().");
        }

        // A table whose every column is missing is named as the table; its other objects then go unsaid.
        var missingTables = contract.Where(f => f.Kind == "column" && f.Table is not null)
            .GroupBy(f => f.Table!, StringComparer.Ordinal)
            .Where(table => table.All(column => problems.Any(p => p.IsMissing && p.Kind == "column" && p.Name == column.Name)))
            .Select(table => table.Key)
            .ToHashSet(StringComparer.Ordinal);
        var tableOf = contract.ToDictionary(f => f.Key, f => f.Table, StringComparer.Ordinal);
        var named = missingTables.Order(StringComparer.Ordinal).Select(t => "missing table " + t)
            .Concat(problems
                .Where(p => !(tableOf.GetValueOrDefault(p.Kind + " " + p.Name) is { } table && missingTables.Contains(table)))
                .Select(p => $"{(p.IsMissing ? "missing" : "different")} {p.Kind} {p.Name}"))
            .ToList();
        const int Shown = 5;
        var list = string.Join("; ", named.Take(Shown)) + (named.Count > Shown ? $"; and {named.Count - Shown} more" : string.Empty);
        throw new Storage.SchemaUnusableException(
            $"The Procrastinate schema of this database{Where()} is not Procrastinate 3.9's: {list}. Apply the migrations it " +
            "lacks; the command line's `schema --check` lists every difference.");
    }

    /// <summary>The contract: Procrastinate 3.9.0's catalog facts (<c>Sql/contract/procrastinate-3.9-catalog.txt</c>).</summary>
    internal static IReadOnlyList<CatalogFact> ContractFacts() =>
        SqlResources.Read("contract/procrastinate-3.9-catalog.txt")
            .Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(CatalogFact.Parse)
            .ToList();

    /// <summary>
    /// The statements of the contract's catalog query (<c>Sql/contract/catalog.sql</c>, a psql script) without its psql
    /// commands and comments: each returns one fact per row, in one text column.
    /// </summary>
    internal static IReadOnlyList<string> CatalogStatements() =>
        string.Join('\n', SqlResources.Read("contract/catalog.sql")
                .Split('\n')
                .Where(line => !line.StartsWith('\\') && !line.StartsWith("--", StringComparison.Ordinal)))
            .Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .ToList();

    /// <summary>
    /// The facts of the store's current schema, by the contract's own catalog query. The query strips a schema prefix
    /// of lowercase letters and underscores from index and trigger definitions; any other schema name is stripped
    /// here, so the facts do not depend on where the schema lives.
    /// </summary>
    internal async Task<IReadOnlyList<CatalogFact>> DescribeAsync(CancellationToken cancellationToken)
    {
        var connection = await _connections.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            using var batch = new NpgsqlBatch(connection);
            batch.BatchCommands.Add(new NpgsqlBatchCommand("SELECT quote_ident(current_schema())"));
            foreach (var statement in CatalogStatements())
            {
                batch.BatchCommands.Add(new NpgsqlBatchCommand(statement));
            }

            var reader = await batch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                string? prefix = null;
                if (await reader.ReadAsync(cancellationToken).ConfigureAwait(false) && !await reader.IsDBNullAsync(0, cancellationToken).ConfigureAwait(false))
                {
                    prefix = " ON " + reader.GetString(0) + ".";
                }

                var facts = new List<CatalogFact>();
                while (await reader.NextResultAsync(cancellationToken).ConfigureAwait(false))
                {
                    while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                    {
                        var line = reader.GetString(0);
                        if (prefix is not null && (line.StartsWith("index ", StringComparison.Ordinal) || line.StartsWith("trigger ", StringComparison.Ordinal)))
                        {
                            var at = line.IndexOf(prefix, StringComparison.Ordinal);
                            line = at < 0 ? line : string.Concat(line.AsSpan(0, at), " ON ", line.AsSpan(at + prefix.Length));
                        }

                        facts.Add(CatalogFact.Parse(line));
                    }
                }

                return facts;
            }
        }
    }

    /// <summary>The SQL of all our own objects, as the migration step runs it (one statement per object).</summary>
    internal static string OwnObjectsSql() => string.Join('\n', OwnIndexes.Select(index => SqlResources.Read(index.Resource)));

    /// <summary>
    /// An own index's statement on one line, without its comments and without <c>CONCURRENTLY</c>, for a transaction
    /// (an empty table).
    /// </summary>
    private static string OwnIndexSqlInTransaction(string name) =>
        string.Join(' ', SqlResources.Read(OwnIndexes.Single(index => index.Name == name).Resource).Split('\n')
                .Where(line => !line.StartsWith("--", StringComparison.Ordinal))
                .Select(line => line.Trim())
                .Where(line => line.Length > 0))
            .Replace("CREATE INDEX CONCURRENTLY IF NOT EXISTS", "CREATE INDEX IF NOT EXISTS", StringComparison.Ordinal);

    private static async Task<bool> IsOwnIndexValidAsync(NpgsqlConnection connection, string name, CancellationToken cancellationToken)
    {
        using var valid = new NpgsqlCommand(SqlQueries.OwnIndexValid, connection) { Parameters = { new NpgsqlParameter { Value = name } } };
        return await valid.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is true;
    }

    /// <summary>
    /// Builds the own index <paramref name="name"/> <c>CONCURRENTLY</c> unless it exists and is valid; an invalid
    /// leftover of an interrupted build is dropped first (<c>IF NOT EXISTS</c> would keep it, and the planner never uses
    /// an invalid index).
    /// </summary>
    private async Task ApplyOwnIndexAsync(string name, CancellationToken cancellationToken)
    {
        var connection = await _connections.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            try
            {
                if (await IsOwnIndexValidAsync(connection, name, cancellationToken).ConfigureAwait(false))
                {
                    return;
                }

                using (var drop = new NpgsqlCommand($"DROP INDEX CONCURRENTLY IF EXISTS {SqlIdentifier.Quote(name)}", connection) { CommandTimeout = 0 })
                {
                    await drop.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                }

                using (var create = new NpgsqlCommand(SqlResources.Read(OwnIndexes.Single(index => index.Name == name).Resource), connection) { CommandTimeout = 0 })
                {
                    await create.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                }
            }
            catch (PostgresException e) when (_connections.Translate(e) is { } translated)
            {
                throw translated;
            }
        }
    }

    private string Where() => _connections.Schema is null
        ? string.Empty
        : string.Format(CultureInfo.InvariantCulture, " in schema {0}", _connections.Schema);
}
