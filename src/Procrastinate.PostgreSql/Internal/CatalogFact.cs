namespace Procrastinate.PostgreSql.Internal;

/// <summary>
/// One line of the catalog description (<c>Sql/contract/catalog.sql</c>): its kind, the object it describes and, for
/// columns, indexes, constraints and triggers, the table the object belongs to.
/// </summary>
/// <param name="Kind">enum, composite, column, index, constraint, trigger or function.</param>
/// <param name="Name">
/// The object: a type or index or trigger name, <c>table.column</c>, <c>table.constraint</c>, or a function's name with
/// its argument types.
/// </param>
/// <param name="Table">The table of a column, index, constraint or trigger; otherwise <see langword="null"/>.</param>
/// <param name="Definition">The line without its kind, as PostgreSQL prints the object.</param>
internal sealed record CatalogFact(string Kind, string Name, string? Table, string Definition)
{
    /// <summary>The prefix of Procrastinate for .NET's own objects, which are not facts of Procrastinate's contract.</summary>
    public const string OwnPrefix = "procrastinate_dotnet_";

    public string Key => Kind + " " + Name;

    /// <summary>Whether the object is one of Procrastinate for .NET's own (its name or its table's name says so).</summary>
    public bool IsOurs => Name.StartsWith(OwnPrefix, StringComparison.Ordinal) || (Table?.StartsWith(OwnPrefix, StringComparison.Ordinal) ?? false);

    /// <exception cref="FormatException">The line is not one the catalog query prints.</exception>
    public static CatalogFact Parse(string line)
    {
        var space = line.IndexOf(' ', StringComparison.Ordinal);
        if (space <= 0)
        {
            throw Malformed(line);
        }

        var kind = line[..space];
        var definition = line[(space + 1)..];
        return kind switch
        {
            // "enum NAME = labels", "composite NAME = fields"
            "enum" or "composite" => new CatalogFact(kind, FirstWord(definition, line), null, definition),

            // "column TABLE.COLUMN type ..."
            "column" => Column(definition, line),

            // "constraint TABLE NAME definition"
            "constraint" => Constraint(definition, line),

            // "index CREATE [UNIQUE] INDEX NAME ON TABLE USING ..."
            "index" => OnTable(kind, definition, "INDEX ", line),

            // "trigger CREATE [CONSTRAINT] TRIGGER NAME {BEFORE|AFTER|INSTEAD OF} ... ON TABLE ..."
            "trigger" => OnTable(kind, definition, "TRIGGER ", line),

            // "function NAME(ARGUMENTS) returns RESULT"
            "function" => new CatalogFact(kind, FunctionSignature(definition, line), null, definition),
            _ => throw Malformed(line),
        };
    }

    public override string ToString() => Kind + " " + Definition;

    private static CatalogFact Column(string definition, string line)
    {
        var name = FirstWord(definition, line);
        var dot = name.IndexOf('.', StringComparison.Ordinal);
        return new CatalogFact("column", name, dot <= 0 ? null : name[..dot], definition);
    }

    private static CatalogFact Constraint(string definition, string line)
    {
        var table = FirstWord(definition, line);
        var name = FirstWord(definition[(table.Length + 1)..], line);
        return new CatalogFact("constraint", table + "." + name, table, definition);
    }

    private static CatalogFact OnTable(string kind, string definition, string keyword, string line)
    {
        var at = definition.IndexOf(keyword, StringComparison.Ordinal);
        if (at < 0)
        {
            return new CatalogFact(kind, definition, null, definition);
        }

        var name = FirstWord(definition[(at + keyword.Length)..], line);
        var on = definition.IndexOf(" ON ", at + keyword.Length + name.Length, StringComparison.Ordinal);
        var table = on < 0 ? null : FirstWord(definition[(on + " ON ".Length)..], line);
        return new CatalogFact(kind, name, table, definition);
    }

    private static string FunctionSignature(string definition, string line)
    {
        var end = definition.IndexOf(") returns ", StringComparison.Ordinal);
        return end <= 0 ? throw Malformed(line) : definition[..(end + 1)];
    }

    private static string FirstWord(string text, string line)
    {
        var end = text.IndexOf(' ', StringComparison.Ordinal);
        var word = end < 0 ? text : text[..end];
        return word.Length == 0 ? throw Malformed(line) : word;
    }

    private static FormatException Malformed(string line) => new($"Catalog line '{line}' is not one the catalog query prints.");
}
