namespace Procrastinate.PostgreSql;

/// <summary>
/// One of Procrastinate for .NET's own database objects (named <c>procrastinate_dotnet_*</c>, or belonging to such a
/// table), which are not part of Procrastinate's contract; see <see cref="SchemaCheckResult.Ours"/>.
/// </summary>
/// <param name="Kind">column, index, constraint, trigger, function, enum or composite.</param>
/// <param name="Name">The object, named as in <see cref="SchemaDifference.Name"/>.</param>
/// <param name="Definition">The object as PostgreSQL prints it.</param>
public sealed record SchemaObject(string Kind, string Name, string Definition)
{
    /// <inheritdoc />
    public override string ToString() => $"{Kind} {Name}: {Definition}";
}
