using Procrastinate.PostgreSql;

namespace Procrastinate.Cli.Internal;

/// <summary>The command line's DSN, read by the store's own reader over the command line's environment.</summary>
internal static class ConnectionStrings
{
    /// <summary>
    /// The connection string for <paramref name="dsn"/> (a libpq URI or an Npgsql connection string, or none), with
    /// what it leaves out taken from the <c>PG*</c> variables of <paramref name="environment"/>, as <c>psql</c> would.
    /// </summary>
    /// <exception cref="CliException">The DSN or a variable cannot be read, or no server is named at all.</exception>
    public static string ForStore(string? dsn, CliEnvironment environment)
    {
        Npgsql.NpgsqlConnectionStringBuilder builder;
        try
        {
            builder = PostgreSqlConnectionString.Parse(dsn, environment.String);
        }
        catch (ArgumentException e)
        {
            throw CliException.Usage(e.Message, e);
        }

        if (builder.Host is null)
        {
            throw CliException.Usage(
                "No database given: pass --dsn, set PROCRASTINATE_DSN, or set the libpq variables (PGHOST, PGPORT, PGUSER, PGDATABASE, ...).");
        }

        return builder.ConnectionString;
    }
}
