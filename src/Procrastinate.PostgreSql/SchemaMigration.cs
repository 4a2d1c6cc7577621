using System.Globalization;
using System.Text.RegularExpressions;

namespace Procrastinate.PostgreSql;

/// <summary>One embedded migration file, named <c>NNN_pre|post_description.sql</c>.</summary>
/// <param name="Name">The file name.</param>
/// <param name="Number">Its sequence number: the order of application.</param>
/// <param name="Phase">Before or after deploying the new code.</param>
/// <param name="Description">What it does, from the file name.</param>
/// <param name="Sql">The statements.</param>
public sealed partial record SchemaMigration(string Name, int Number, MigrationPhase Phase, string Description, string Sql)
{
    /// <summary>Reads a migration's number, phase and description from its file name.</summary>
    /// <exception cref="FormatException">The name does not follow <c>NNN_pre|post_description.sql</c>.</exception>
    public static SchemaMigration Parse(string fileName, string sql)
    {
        ArgumentNullException.ThrowIfNull(fileName);
        var match = NamePattern().Match(fileName);
        if (!match.Success)
        {
            throw new FormatException($"Migration '{fileName}' is not named NNN_pre_description.sql or NNN_post_description.sql.");
        }

        return new SchemaMigration(
            fileName,
            int.Parse(match.Groups["number"].Value, CultureInfo.InvariantCulture),
            match.Groups["phase"].Value == "pre" ? MigrationPhase.Pre : MigrationPhase.Post,
            match.Groups["description"].Value.Replace('_', ' '),
            sql);
    }

    [GeneratedRegex("^(?<number>[0-9]{3})_(?<phase>pre|post)_(?<description>[a-z0-9]+(?:_[a-z0-9]+)*)\\.sql$")]
    private static partial Regex NamePattern();
}
