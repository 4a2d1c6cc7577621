using Procrastinate.PostgreSql.Internal;

namespace Procrastinate.PostgreSql;

/// <summary>The outcome of <see cref="PostgreSqlSchemaManager.CheckSchemaAsync"/>.</summary>
/// <param name="Differences">What is missing or different, in the contract's order.</param>
public sealed record SchemaCheckResult(IReadOnlyList<SchemaDifference> Differences)
{
    /// <summary>Whether the database holds every object of the contract as the contract defines it.</summary>
    public bool IsValid => Differences.Count == 0;

    /// <summary>A process exit status for health checks: 0 when valid, 1 otherwise.</summary>
    public int ExitCode => IsValid ? 0 : 1;

    internal static SchemaCheckResult Compare(IReadOnlyList<CatalogEntry> expected, IReadOnlyList<CatalogEntry> actual)
    {
        var found = actual.GroupBy(e => e.Key, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
        var differences = new List<SchemaDifference>();
        foreach (var entry in expected)
        {
            if (!found.TryGetValue(entry.Key, out var other))
            {
                differences.Add(new SchemaDifference(entry.Kind, entry.Name, entry.Definition, null));
            }
            else if (!string.Equals(other.Definition, entry.Definition, StringComparison.Ordinal))
            {
                differences.Add(new SchemaDifference(entry.Kind, entry.Name, entry.Definition, other.Definition));
            }
        }

        return new SchemaCheckResult(differences);
    }
}
