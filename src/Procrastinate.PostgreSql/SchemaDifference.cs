namespace Procrastinate.PostgreSql;

/// <summary>
/// An object where the database departs from Procrastinate 3.9's contract: missing, defined differently, or there
/// although the contract does not have it.
/// </summary>
/// <param name="Kind">enum, composite, column, index, constraint, trigger or function.</param>
/// <param name="Name">
/// The object: a type, index or trigger name, <c>table.column</c> for columns, <c>table.constraint</c> for
/// constraints, a function's name with its argument types.
/// </param>
/// <param name="Expected">
/// The contract's fact for the object (as PostgreSQL prints it), or <see langword="null"/> when the contract has no
/// such object.
/// </param>
/// <param name="Actual">The database's fact for the object, or <see langword="null"/> when the object is missing.</param>
public sealed record SchemaDifference(string Kind, string Name, string? Expected, string? Actual)
{
    /// <summary>Whether the contract's object is missing from the database.</summary>
    public bool IsMissing => Actual is null;

    /// <summary>
    /// Whether the database has an object of Procrastinate's tables or names (<c>procrastinate_*</c>) that the
    /// contract does not have. Procrastinate for .NET's own objects (<c>procrastinate_dotnet_*</c>) are never
    /// unexpected: they are listed in <see cref="SchemaCheckResult.Ours"/>.
    /// </summary>
    public bool IsUnexpected => Expected is null;

    /// <inheritdoc />
    public override string ToString() => (Expected, Actual) switch
    {
        (_, null) => $"missing {Kind} {Name}: expected {Expected}",
        (null, _) => $"unexpected {Kind} {Name}: found {Actual}",
        _ => $"different {Kind} {Name}: expected {Expected}, found {Actual}",
    };
}
