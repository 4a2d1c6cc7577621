using Procrastinate.PostgreSql.Internal;

namespace Procrastinate.PostgreSql;

/// <summary>The outcome of <see cref="PostgreSqlSchemaManager.CheckSchemaAsync"/>.</summary>
/// <param name="Differences">
/// Each object of the contract that is missing or different, then each unexpected object of Procrastinate's tables or
/// names, in the order of the catalog description.
/// </param>
/// <param name="Ours">
/// Procrastinate for .NET's own objects found in the schema (its extensions), which the contract does not cover and
/// the check does not judge.
/// </param>
public sealed record SchemaCheckResult(IReadOnlyList<SchemaDifference> Differences, IReadOnlyList<SchemaObject> Ours)
{
    /// <summary>
    /// Procrastinate for .NET's own objects that <see cref="PostgreSqlSchemaManager.ApplySchemaAsync"/> creates (what
    /// fast fetching needs) and the database lacks, or holds invalid: a schema that Python Procrastinate or an earlier
    /// version applied. Such a database works, at the contract's speed;
    /// <see cref="PostgreSqlSchemaManager.ApplyOwnObjectsAsync"/> (<c>schema --apply-own</c>) adds them without
    /// blocking writers. Each <see cref="SchemaObject.Definition"/> is the statement that creates the object.
    /// Empty when the contract's tables are missing.
    /// </summary>
    public IReadOnlyList<SchemaObject> MissingOurs { get; init; } = [];

    /// <summary>Whether the database holds exactly the facts of the contract (its own extensions aside).</summary>
    public bool IsValid => Differences.Count == 0;

    /// <summary>Whether the database is valid and holds every object of our own that fast fetching needs.</summary>
    public bool IsComplete => IsValid && MissingOurs.Count == 0;

    /// <summary>
    /// A process exit status (<c>schema --check</c>'s): 0 when complete, 1 when the contract's objects are missing or
    /// different, 4 when they match but objects of our own are missing (<see cref="MissingOurs"/>).
    /// </summary>
    public int ExitCode => !IsValid ? 1 : IsComplete ? 0 : 4;

    /// <summary>
    /// Compares the database's facts with the contract's. A fact of an object the contract does not name counts only
    /// when it belongs to Procrastinate's tables or carries a <c>procrastinate_</c> name; other objects of the same
    /// PostgreSQL schema (an application's own tables) are not the check's business.
    /// </summary>
    internal static SchemaCheckResult Compare(IReadOnlyList<CatalogFact> contract, IReadOnlyList<CatalogFact> actual)
    {
        var found = actual.GroupBy(f => f.Key, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
        var expected = contract.Select(f => f.Key).ToHashSet(StringComparer.Ordinal);
        var tables = contract.Where(f => f.Table is not null).Select(f => f.Table!).ToHashSet(StringComparer.Ordinal);
        var differences = new List<SchemaDifference>();
        foreach (var fact in contract)
        {
            if (!found.TryGetValue(fact.Key, out var other))
            {
                differences.Add(new SchemaDifference(fact.Kind, fact.Name, fact.Definition, null));
            }
            else if (!string.Equals(other.Definition, fact.Definition, StringComparison.Ordinal))
            {
                differences.Add(new SchemaDifference(fact.Kind, fact.Name, fact.Definition, other.Definition));
            }
        }

        var ours = new List<SchemaObject>();
        foreach (var fact in found.Values.Where(f => !expected.Contains(f.Key)).OrderBy(f => f.ToString(), StringComparer.Ordinal))
        {
            if (fact.IsOurs)
            {
                ours.Add(new SchemaObject(fact.Kind, fact.Name, fact.Definition));
            }
            else if (fact.Name.StartsWith("procrastinate_", StringComparison.Ordinal) || (fact.Table is { } table && tables.Contains(table)))
            {
                differences.Add(new SchemaDifference(fact.Kind, fact.Name, null, fact.Definition));
            }
        }

        return new SchemaCheckResult(differences, ours);
    }
}
