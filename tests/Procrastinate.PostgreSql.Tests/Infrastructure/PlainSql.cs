using Npgsql;

namespace Procrastinate.PostgreSql.Tests.Infrastructure;

/// <summary>Test-only SQL run as written, outside the store: setting up tables and reading plans.</summary>
internal static class PlainSql
{
    public static async Task ExecuteAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>The plan of a fetch, executed and rolled back.</summary>
    public static async Task<string> ExplainAsync(NpgsqlConnection connection, string statement)
    {
        await using var transaction = await connection.BeginTransactionAsync();
        await using var command = new NpgsqlCommand($"EXPLAIN (ANALYZE, COSTS OFF) {statement}", connection, transaction);
        var lines = new List<string>();
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                lines.Add(reader.GetString(0));
            }
        }

        await transaction.RollbackAsync();
        return string.Join('\n', lines);
    }
}
