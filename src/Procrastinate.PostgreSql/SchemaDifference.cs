namespace Procrastinate.PostgreSql;

/// <summary>An object of the contract that the database lacks or defines differently.</summary>
/// <param name="Kind">enum, composite, table, column, index, constraint, trigger or function.</param>
/// <param name="Name">The object (<c>table.column</c> for columns and constraints, a signature for functions).</param>
/// <param name="Expected">The contract's definition.</param>
/// <param name="Actual">The database's definition, or <see langword="null"/> when the object is missing.</param>
public sealed record SchemaDifference(string Kind, string Name, string Expected, string? Actual)
{
    /// <summary>Whether the object is missing altogether.</summary>
    public bool IsMissing => Actual is null;

    /// <inheritdoc />
    public override string ToString() => IsMissing
        ? $"missing {Kind} {Name}: {Expected}"
        : $"different {Kind} {Name}: expected {Expected}, found {Actual}";
}
