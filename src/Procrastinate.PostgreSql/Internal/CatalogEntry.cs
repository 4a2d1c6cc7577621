namespace Procrastinate.PostgreSql.Internal;

/// <summary>One object of the catalog description: its kind, name and definition.</summary>
internal sealed record CatalogEntry(string Kind, string Name, string Definition)
{
    private const string Separator = " | ";

    public string Key => Kind + " " + Name;

    public static CatalogEntry Parse(string line)
    {
        var first = line.IndexOf(Separator, StringComparison.Ordinal);
        var second = first < 0 ? -1 : line.IndexOf(Separator, first + Separator.Length, StringComparison.Ordinal);
        if (second < 0)
        {
            throw new FormatException($"Catalog line '{line}' is not 'kind | name | definition'.");
        }

        return new CatalogEntry(line[..first], line[(first + Separator.Length)..second], line[(second + Separator.Length)..]);
    }

    public override string ToString() => Kind + Separator + Name + Separator + Definition;
}
