using Npgsql;

namespace Procrastinate.Cli.Tests;

/// <summary>
/// What a database holds, to show a refused command changed nothing: its schemas and relations (qualified names) and
/// the rows of Procrastinate's tables.
/// </summary>
public sealed record DatabaseState(IReadOnlyList<string> Relations, long Jobs, long Events, long Workers)
{
    public static async Task<DatabaseState> ReadAsync(string connectionString)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        var relations = new List<string>();
        await using (var command = new NpgsqlCommand(
            """
            SELECT n.nspname || '.' || c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%'
            UNION ALL SELECT nspname FROM pg_namespace WHERE nspname NOT LIKE 'pg_%' AND nspname <> 'information_schema'
            ORDER BY 1
            """,
            connection))
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                relations.Add(reader.GetString(0));
            }
        }

        if (!relations.Contains("public.procrastinate_jobs"))
        {
            return new DatabaseState(relations, 0, 0, 0);
        }

        await using var counts = new NpgsqlCommand(
            "SELECT (SELECT count(*) FROM procrastinate_jobs), (SELECT count(*) FROM procrastinate_events), (SELECT count(*) FROM procrastinate_workers)",
            connection);
        await using var row = await counts.ExecuteReaderAsync();
        await row.ReadAsync();
        return new DatabaseState(relations, row.GetInt64(0), row.GetInt64(1), row.GetInt64(2));
    }

    public bool Equals(DatabaseState? other) =>
        other is not null && Relations.SequenceEqual(other.Relations) && (Jobs, Events, Workers) == (other.Jobs, other.Events, other.Workers);

    public override int GetHashCode() => HashCode.Combine(Relations.Count, Jobs, Events, Workers);

    public override string ToString() => $"{Relations.Count} relations, {Jobs} jobs, {Events} events, {Workers} workers";
}
