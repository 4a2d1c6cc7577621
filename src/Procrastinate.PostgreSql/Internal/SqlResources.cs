namespace Procrastinate.PostgreSql.Internal;

/// <summary>The SQL files embedded in this assembly.</summary>
internal static class SqlResources
{
    private const string Prefix = "Procrastinate.PostgreSql.Sql.";

    public static string Read(string name)
    {
        using var stream = typeof(SqlResources).Assembly.GetManifestResourceStream(Prefix + name)
            ?? throw new InvalidOperationException($"Embedded resource '{Prefix + name}' is missing.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    /// <summary>Names (relative to the <c>Sql</c> folder) of the embedded files under <paramref name="folder"/>.</summary>
    public static IEnumerable<string> List(string folder) =>
        typeof(SqlResources).Assembly.GetManifestResourceNames()
            .Where(n => n.StartsWith(Prefix + folder + "/", StringComparison.Ordinal))
            .Select(n => n[Prefix.Length..]);
}
