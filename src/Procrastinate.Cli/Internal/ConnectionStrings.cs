using System.Globalization;
using Npgsql;

namespace Procrastinate.Cli.Internal;

/// <summary>Turns the DSN forms operators use (libpq URIs, Npgsql key=value strings) into an Npgsql connection string.</summary>
internal static class ConnectionStrings
{
    /// <summary>
    /// Returns an Npgsql connection string for <paramref name="dsn"/>: a <c>postgresql://user:password@host:port/db?sslmode=...</c>
    /// URI is converted, anything else is taken as an Npgsql connection string. Missing parts come from <c>PG*</c> variables.
    /// </summary>
    /// <exception cref="CliException">The DSN cannot be read.</exception>
    public static string Normalize(string dsn)
    {
        try
        {
            if (dsn.StartsWith("postgresql://", StringComparison.OrdinalIgnoreCase)
                || dsn.StartsWith("postgres://", StringComparison.OrdinalIgnoreCase))
            {
                return FromUri(dsn);
            }

            return new NpgsqlConnectionStringBuilder(dsn).ConnectionString;
        }
        catch (Exception e) when (e is ArgumentException or FormatException or UriFormatException)
        {
            throw CliException.Usage($"The DSN cannot be read: {e.Message}", e);
        }
    }

    /// <summary>
    /// Fills what <paramref name="connectionString"/> lacks from libpq's variables (<c>PGHOST</c>, <c>PGPORT</c>,
    /// <c>PGDATABASE</c>, <c>PGUSER</c>, <c>PGPASSWORD</c>), as <c>psql</c> would.
    /// </summary>
    /// <exception cref="CliException">No host is known at all.</exception>
    public static string WithEnvironment(string connectionString, CliEnvironment environment)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        builder.Host ??= environment.String("PGHOST");
        var given = new System.Data.Common.DbConnectionStringBuilder { ConnectionString = connectionString };
        if (!given.ContainsKey("Port") && environment.Int("PGPORT") is { } port)
        {
            builder.Port = port;
        }

        builder.Database ??= environment.String("PGDATABASE");
        builder.Username ??= environment.String("PGUSER");
        builder.Password ??= environment.String("PGPASSWORD");
        if (builder.Host is null)
        {
            throw CliException.Usage(
                "No database given: pass --dsn, set PROCRASTINATE_DSN, or set the libpq variables (PGHOST, PGPORT, PGUSER, PGDATABASE, ...).");
        }

        return builder.ConnectionString;
    }

    private static string FromUri(string dsn)
    {
        var uri = new Uri(dsn);
        var builder = new NpgsqlConnectionStringBuilder();
        if (uri.UserInfo.Length > 0)
        {
            var colon = uri.UserInfo.IndexOf(':', StringComparison.Ordinal);
            builder.Username = Uri.UnescapeDataString(colon < 0 ? uri.UserInfo : uri.UserInfo[..colon]);
            if (colon >= 0)
            {
                builder.Password = Uri.UnescapeDataString(uri.UserInfo[(colon + 1)..]);
            }
        }

        if (uri.Host.Length > 0)
        {
            builder.Host = uri.Host.Trim('[', ']');
        }

        if (!uri.IsDefaultPort && uri.Port > 0)
        {
            builder.Port = uri.Port;
        }

        var database = Uri.UnescapeDataString(uri.AbsolutePath.TrimStart('/'));
        if (database.Length > 0)
        {
            builder.Database = database;
        }

        foreach (var pair in uri.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = pair.IndexOf('=', StringComparison.Ordinal);
            var key = Uri.UnescapeDataString(equals < 0 ? pair : pair[..equals]);
            var value = equals < 0 ? string.Empty : Uri.UnescapeDataString(pair[(equals + 1)..]);
            switch (key)
            {
                case "sslmode":
                    builder.SslMode = Enum.Parse<SslMode>(value.Replace("-", string.Empty, StringComparison.Ordinal), ignoreCase: true);
                    break;
                case "application_name":
                    builder.ApplicationName = value;
                    break;
                case "connect_timeout":
                    builder.Timeout = int.Parse(value, CultureInfo.InvariantCulture);
                    break;
                case "host":
                    builder.Host = value;
                    break;
                case "port":
                    builder.Port = int.Parse(value, CultureInfo.InvariantCulture);
                    break;
                case "user":
                    builder.Username = value;
                    break;
                case "password":
                    builder.Password = value;
                    break;
                case "dbname":
                    builder.Database = value;
                    break;
                default:
                    builder[key] = value;
                    break;
            }
        }

        return builder.ConnectionString;
    }
}
