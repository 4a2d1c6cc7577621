using Npgsql;

namespace Procrastinate.PostgreSql.Tests.Infrastructure;

/// <summary>The libpq URI naming the same database as a test server's Npgsql connection string.</summary>
internal static class LibpqUri
{
    public static string From(string connectionString, string scheme = "postgresql")
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        var user = builder.Username is null
            ? string.Empty
            : Uri.EscapeDataString(builder.Username) + (builder.Password is null ? string.Empty : ":" + Uri.EscapeDataString(builder.Password)) + "@";
        var host = builder.Host!.Contains(':', StringComparison.Ordinal) ? $"[{builder.Host}]" : builder.Host;
        return $"{scheme}://{user}{host}:{builder.Port}/{Uri.EscapeDataString(builder.Database!)}";
    }
}
