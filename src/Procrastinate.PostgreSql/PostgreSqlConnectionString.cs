using System.Data.Common;
using System.Globalization;
using System.Text;
using Npgsql;

namespace Procrastinate.PostgreSql;

/// <summary>
/// Reads a DSN the way every Procrastinate entry point does (the store, the hosting extensions, the command line):
/// an Npgsql connection string (<c>Host=db;Database=shop</c>) or a libpq URI
/// (<c>postgresql://user:password@db:5432/shop?sslmode=require</c>), completed as libpq would from the <c>PG*</c>
/// environment variables.
/// </summary>
internal static class PostgreSqlConnectionString
{
    private const string UnknownKeyword = "(a word that is not a libpq keyword; not shown, as it may be part of a password)";

    private const string SchemeHint =
        "percent-encode '@', '/', '?', ':' and '%' in the user name and password (for example '@' as %40)";

    // The only values a message may quote: where the server is and who connects (never a password, path or option).
    private static readonly HashSet<string> ShownNpgsqlKeywords = new(StringComparer.OrdinalIgnoreCase) { "Host", "Port", "Database", "Username" };

    private static readonly Dictionary<string, string> SslModes = new(StringComparer.OrdinalIgnoreCase)
    {
        ["disable"] = "Disable",
        ["allow"] = "Allow",
        ["prefer"] = "Prefer",
        ["require"] = "Require",
        ["verify-ca"] = "VerifyCA",
        ["verify-full"] = "VerifyFull",
    };

    private static readonly Dictionary<string, string> AuthMethods = new(StringComparer.OrdinalIgnoreCase)
    {
        ["password"] = "Password",
        ["md5"] = "MD5",
        ["gss"] = "GSS",
        ["sspi"] = "SSPI",
        ["scram-sha-256"] = "ScramSHA256",
        ["none"] = "None",
    };

    private static readonly Dictionary<string, string> SslNegotiations = new(StringComparer.OrdinalIgnoreCase)
    {
        ["postgres"] = "Postgres",
        ["direct"] = "Direct",
    };

    private static readonly Dictionary<string, string> TargetSessionAttributes = new(StringComparer.OrdinalIgnoreCase)
    {
        ["any"] = "any",
        ["read-write"] = "read-write",
        ["read-only"] = "read-only",
        ["primary"] = "primary",
        ["standby"] = "standby",
        ["prefer-standby"] = "prefer-standby",
    };

    private static readonly Dictionary<string, string> GssEncryptionModes = new(StringComparer.OrdinalIgnoreCase)
    {
        ["disable"] = "Disable",
        ["prefer"] = "Prefer",
        ["require"] = "Require",
    };

    private static readonly Dictionary<string, string> LoadBalanceHosts = new(StringComparer.OrdinalIgnoreCase)
    {
        ["disable"] = "false",
        ["random"] = "true",
    };

    private static readonly Dictionary<string, string> Switches = new(StringComparer.Ordinal)
    {
        ["0"] = "false",
        ["1"] = "true",
    };

    private const string Seconds = ": expected a whole number of seconds, 0 or more";

    // The libpq parameters read from a URI's query and, for those with a variable, from the environment.
    private static readonly LibpqParameter[] Parameters =
    [
        new("host", "Host", "PGHOST", Shown: true),
        new("port", "Port", "PGPORT", ParsePort, ": expected a number from 1 to 65535", Shown: true),
        new("dbname", "Database", "PGDATABASE", Shown: true),
        new("user", "Username", "PGUSER", Shown: true),
        new("password", "Password", "PGPASSWORD"),
        new("passfile", "Passfile", "PGPASSFILE"),
        Choice("sslmode", "SSL Mode", "PGSSLMODE", SslModes),
        new("sslcert", "SSL Certificate", "PGSSLCERT"),
        new("sslkey", "SSL Key", "PGSSLKEY"),
        new("sslpassword", "SSL Password", null),
        new("sslrootcert", "Root Certificate", "PGSSLROOTCERT"),
        Choice("sslnegotiation", "SSL Negotiation", "PGSSLNEGOTIATION", SslNegotiations),
        new("application_name", "Application Name", "PGAPPNAME"),
        new("connect_timeout", "Timeout", "PGCONNECT_TIMEOUT", ParseSeconds, Seconds),
        new("options", "Options", "PGOPTIONS"),
        Choice("target_session_attrs", "Target Session Attributes", "PGTARGETSESSIONATTRS", TargetSessionAttributes),
        new("client_encoding", "Client Encoding", "PGCLIENTENCODING"),
        new("krbsrvname", "Kerberos Service Name", "PGKRBSRVNAME"),
        Choice("gssencmode", "GSS Encryption Mode", "PGGSSENCMODE", GssEncryptionModes),
        new("require_auth", "Require Auth", "PGREQUIREAUTH", RequireAuthMethods, ": expected a list of password, md5, gss, sspi, scram-sha-256, none, each may start with '!'"),
        Choice("load_balance_hosts", "Load Balance Hosts", "PGLOADBALANCEHOSTS", LoadBalanceHosts),
        Choice("keepalives", "Tcp Keepalive", null, Switches),
        new("keepalives_idle", "Tcp Keepalive Time", null, ParseSeconds, Seconds),
        new("keepalives_interval", "Tcp Keepalive Interval", null, ParseSeconds, Seconds),
    ];

    /// <summary>
    /// Reads <paramref name="dsn"/> into an Npgsql connection string builder, filling what it leaves out from the
    /// libpq environment variables.
    /// </summary>
    /// <param name="dsn">
    /// An Npgsql connection string (<c>Host=db;Port=5432;Database=shop;Username=worker</c>), or a libpq URI:
    /// <c>postgresql://</c> or <c>postgres://</c>, then <c>user:password@</c>, one or more <c>host:port</c> separated
    /// by commas (<c>[::1]</c> for IPv6, a percent-encoded path such as <c>%2Fvar%2Frun%2Fpostgresql</c> for a Unix
    /// socket directory), <c>/database</c>, and libpq parameters such as <c>?sslmode=verify-full&amp;connect_timeout=10</c>
    /// (also <c>host</c>, <c>port</c>, <c>dbname</c>, <c>user</c>, <c>password</c>, <c>passfile</c>,
    /// <c>application_name</c>, <c>fallback_application_name</c>, <c>options</c>, <c>target_session_attrs</c>,
    /// <c>sslcert</c>, <c>sslkey</c>, <c>sslrootcert</c>, <c>sslpassword</c>, <c>sslnegotiation</c>,
    /// <c>client_encoding</c>, <c>gssencmode</c>, <c>krbsrvname</c>, <c>require_auth</c>, <c>load_balance_hosts</c>,
    /// <c>keepalives</c>, <c>keepalives_idle</c>, <c>keepalives_interval</c>). Components are percent-decoded.
    /// <see langword="null"/> or empty takes everything from the environment.
    /// </param>
    /// <param name="environment">
    /// Reads an environment variable (<see langword="null"/> or empty when unset); the process environment when
    /// <see langword="null"/>. The DSN's own values win over <c>PGHOST</c>, <c>PGPORT</c>, <c>PGDATABASE</c>,
    /// <c>PGUSER</c>, <c>PGPASSWORD</c>, <c>PGPASSFILE</c>, <c>PGSSLMODE</c>, <c>PGAPPNAME</c>,
    /// <c>PGCONNECT_TIMEOUT</c>, <c>PGOPTIONS</c>, <c>PGTARGETSESSIONATTRS</c>, <c>PGSSLCERT</c>, <c>PGSSLKEY</c>,
    /// <c>PGSSLROOTCERT</c>, <c>PGSSLNEGOTIATION</c>, <c>PGCLIENTENCODING</c>, <c>PGKRBSRVNAME</c>,
    /// <c>PGGSSENCMODE</c>, <c>PGREQUIREAUTH</c> and <c>PGLOADBALANCEHOSTS</c>.
    /// </param>
    /// <returns>A new builder; its <see cref="NpgsqlConnectionStringBuilder.Host"/> is <see langword="null"/> when
    /// neither the DSN nor <c>PGHOST</c> names a server.</returns>
    /// <exception cref="ArgumentException">
    /// The DSN or a variable cannot be read: the message names the part or parameter at fault, and never holds a
    /// password.
    /// </exception>
    public static NpgsqlConnectionStringBuilder Parse(string? dsn, Func<string, string?>? environment = null)
    {
        environment ??= Environment.GetEnvironmentVariable;
        try
        {
            return Read(dsn, environment);
        }
        catch (Exception e) when (e is not (ArgumentException or OutOfMemoryException))
        {
            // Only ArgumentException is documented; whatever else a reader throws is not passed on (its text could
            // quote part of the DSN).
            throw new ArgumentException(
                "The connection string cannot be read (expected an Npgsql 'Key=Value;...' string, a libpq 'key=value key=value' " +
                "string or a postgresql:// URI).");
        }
    }

    private static NpgsqlConnectionStringBuilder Read(string? dsn, Func<string, string?> environment)
    {
        var text = dsn?.Trim() ?? string.Empty;
        var libpq = IsUri(text) ? FromUri(text) : FromConninfo(text);
        var builder = libpq?.Finish() ?? FromNpgsql(text);
        var given = GivenKeywords(builder);
        foreach (var parameter in Parameters)
        {
            if (parameter.Variable is { } variable && environment(variable) is { Length: > 0 } value && !given.ContainsKey(parameter.Keyword))
            {
                SetOne(builder, parameter, value, $"The environment variable {variable}");
            }
        }

        if (libpq?.FallbackApplicationName is { } fallback && builder.ApplicationName is null)
        {
            builder.ApplicationName = fallback;
        }

        if (builder.TargetSessionAttributes is { } attributes && attributes != "any" && builder.Host?.Contains(',', StringComparison.Ordinal) != true)
        {
            // Npgsql refuses it when the data source is built; said here, with the libpq names.
            throw new ArgumentException(
                "Target session attributes other than 'any' need several hosts with Npgsql, which checks them only across a host " +
                "list: give several hosts or leave target_session_attrs (PGTARGETSESSIONATTRS) out.");
        }

        return builder;
    }

    /// <summary>
    /// The keywords <paramref name="builder"/> holds a value for, by their canonical names (case-insensitive): the typed
    /// builder answers true for every keyword it knows, only a plain one tells which were given.
    /// </summary>
    internal static DbConnectionStringBuilder GivenKeywords(NpgsqlConnectionStringBuilder builder) =>
        new() { ConnectionString = builder.ConnectionString };

    private static bool IsUri(string dsn) =>
        dsn.StartsWith("postgresql://", StringComparison.OrdinalIgnoreCase) || dsn.StartsWith("postgres://", StringComparison.OrdinalIgnoreCase);

    private static NpgsqlConnectionStringBuilder FromNpgsql(string dsn)
    {
        // Npgsql's own messages may quote a keyword that is really the rest of a password holding an unquoted ';'
        // ("Couldn't set secretpart2;database"), so the pairs are read here and none of its messages is passed on.
        var pairs = SplitNpgsql(dsn) ?? throw new ArgumentException(
            "The connection string cannot be read: expected an Npgsql 'Key=Value;...' string (double-quote a value " +
            "holding ';', '=' or a quote: Password=\"a;b\"), a libpq 'key=value key=value' string or a postgresql:// URI.");
        var builder = new NpgsqlConnectionStringBuilder();
        foreach (var (key, value) in pairs)
        {
            if (!builder.ContainsKey(key))
            {
                throw new ArgumentException(
                    "The connection string holds a keyword Npgsql does not know (not shown: it may be the rest of a value " +
                    "holding an unquoted ';' — double-quote such values: Password=\"a;b\").");
            }

            if (value.Length == 0)
            {
                // As in libpq, an empty value is no value.
                continue;
            }

            try
            {
                builder[key] = value;
            }
            catch (Exception e) when (e is ArgumentException or FormatException or InvalidCastException or OverflowException
                                          or KeyNotFoundException or NotSupportedException)
            {
                var keyword = CanonicalKeyword(key);
                var shown = ShownNpgsqlKeywords.Contains(keyword) ? $" '{value}'" : string.Empty;
                throw new ArgumentException($"The connection string's {keyword} has an invalid value{shown}.");
            }
        }

        if (builder.Host?.Any(char.IsWhiteSpace) == true)
        {
            // "Host=db Database=shop": Npgsql reads one keyword, whose value runs to the next ';'.
            throw new ArgumentException(
                "The connection string's host holds a space: separate an Npgsql string's Key=Value pairs with ';' " +
                "(libpq's 'host=db dbname=shop' form is read with lowercase libpq keywords).");
        }

        return builder;
    }

    /// <summary>
    /// The <c>Key=Value</c> pairs of an ADO.NET connection string in order (a value may be quoted with <c>"</c> or
    /// <c>'</c>, the quote doubled inside; <c>==</c> in a key is one <c>=</c>); <see langword="null"/> when malformed.
    /// </summary>
    private static List<(string Key, string Value)>? SplitNpgsql(string text)
    {
        var pairs = new List<(string, string)>();
        var i = 0;
        while (true)
        {
            while (i < text.Length && (char.IsWhiteSpace(text[i]) || text[i] == ';'))
            {
                i++;
            }

            if (i == text.Length)
            {
                return pairs;
            }

            var key = new StringBuilder();
            while (true)
            {
                if (i == text.Length || text[i] == ';')
                {
                    return null;
                }

                if (text[i] == '=')
                {
                    if (i + 1 < text.Length && text[i + 1] == '=')
                    {
                        key.Append('=');
                        i += 2;
                        continue;
                    }

                    i++;
                    break;
                }

                key.Append(text[i++]);
            }

            while (i < text.Length && char.IsWhiteSpace(text[i]))
            {
                i++;
            }

            var value = new StringBuilder();
            if (i < text.Length && text[i] is '"' or '\'')
            {
                var quote = text[i++];
                while (true)
                {
                    if (i == text.Length)
                    {
                        return null;
                    }

                    if (text[i] == quote)
                    {
                        if (i + 1 < text.Length && text[i + 1] == quote)
                        {
                            value.Append(quote);
                            i += 2;
                            continue;
                        }

                        i++;
                        break;
                    }

                    value.Append(text[i++]);
                }

                while (i < text.Length && char.IsWhiteSpace(text[i]))
                {
                    i++;
                }

                if (i < text.Length && text[i] != ';')
                {
                    return null;
                }
            }
            else
            {
                while (i < text.Length && text[i] != ';')
                {
                    value.Append(text[i++]);
                }
            }

            var name = key.ToString().Trim();
            if (name.Length == 0)
            {
                return null;
            }

            pairs.Add((name, value.ToString().Trim()));
        }
    }

    /// <summary>Npgsql's canonical name of <paramref name="key"/> (a known keyword or synonym), as its builder writes it.</summary>
    private static string CanonicalKeyword(string key)
    {
        var probe = new NpgsqlConnectionStringBuilder();
        foreach (string keyword in probe.Keys)
        {
            if (string.Equals(keyword, key, StringComparison.OrdinalIgnoreCase))
            {
                return keyword;
            }
        }

        return key.Trim();
    }

    /// <summary>
    /// Reads libpq's <c>host=db dbname=shop user='a b'</c> form; <see langword="null"/> when <paramref name="dsn"/> is
    /// an Npgsql string (it holds a ';', or its first keyword is not a libpq one).
    /// </summary>
    private static LibpqDsn? FromConninfo(string dsn)
    {
        if (dsn.Contains(';', StringComparison.Ordinal) || !dsn.Contains('=', StringComparison.Ordinal))
        {
            return null;
        }

        var pairs = new List<(string Key, string? Value)>();
        var i = 0;
        while (i < dsn.Length)
        {
            if (char.IsWhiteSpace(dsn[i]))
            {
                i++;
                continue;
            }

            var keyStart = i;
            while (i < dsn.Length && dsn[i] != '=' && !char.IsWhiteSpace(dsn[i]))
            {
                i++;
            }

            var key = dsn[keyStart..i];
            while (i < dsn.Length && char.IsWhiteSpace(dsn[i]))
            {
                i++;
            }

            if (i == dsn.Length || dsn[i] != '=')
            {
                pairs.Add((key, null));
                break;
            }

            i++;
            while (i < dsn.Length && char.IsWhiteSpace(dsn[i]))
            {
                i++;
            }

            var value = new StringBuilder();
            var quoted = i < dsn.Length && dsn[i] == '\'';
            if (quoted)
            {
                i++;
            }

            while (i < dsn.Length && (quoted ? dsn[i] != '\'' : !char.IsWhiteSpace(dsn[i])))
            {
                if (dsn[i] == '\\' && i + 1 < dsn.Length)
                {
                    i++;
                }

                value.Append(dsn[i++]);
            }

            if (quoted && i++ == dsn.Length)
            {
                pairs.Add((key, null));
                break;
            }

            pairs.Add((key, value.ToString()));
        }

        if (pairs.Count == 0 || !IsConninfoKeyword(pairs[0].Key))
        {
            return null;
        }

        var libpq = new LibpqDsn();
        for (var p = 0; p < pairs.Count; p++)
        {
            var (key, value) = pairs[p];

            // An unknown word may be the rest of an unquoted value holding a space (a password): only keywords are shown.
            var shownKey = IsConninfoKeyword(key) ? $"'{key}'" : UnknownKeyword;
            if (value is null)
            {
                throw new ArgumentException(
                    $"The keyword {shownKey} of the libpq 'key=value' connection string has no value, or its quote is not closed " +
                    "(quote a value holding spaces: password='a b'; write \\' and \\\\ inside quotes).");
            }

            libpq.Apply(key, value, $"The keyword {shownKey} of the libpq connection string", conninfo: true);
        }

        return libpq;
    }

    private static bool IsConninfoKeyword(string key) =>
        key is "fallback_application_name" || Array.Exists(Parameters, p => p.Name == key);

    private static LibpqDsn FromUri(string uri)
    {
        var rest = uri[(uri.IndexOf("://", StringComparison.Ordinal) + 3)..];
        var question = rest.IndexOf('?', StringComparison.Ordinal);
        var query = question < 0 ? string.Empty : rest[(question + 1)..];
        var beforeQuery = question < 0 ? rest : rest[..question];

        // The last '@' so that an unencoded '@' or '/' in the password still parses.
        var at = beforeQuery.LastIndexOf('@');
        var userInfo = at < 0 ? null : beforeQuery[..at];
        var afterUser = at < 0 ? beforeQuery : beforeQuery[(at + 1)..];
        var slash = afterUser.IndexOf('/', StringComparison.Ordinal);
        var hostSpec = slash < 0 ? afterUser : afterUser[..slash];
        var path = slash < 0 ? string.Empty : afterUser[(slash + 1)..];

        var libpq = new LibpqDsn();
        var builder = libpq.Builder;
        if (userInfo is not null)
        {
            var colon = userInfo.IndexOf(':', StringComparison.Ordinal);
            var user = Decode(colon < 0 ? userInfo : userInfo[..colon], "the URI's user name");
            if (user.Length > 0)
            {
                builder.Username = user;
            }

            if (colon >= 0)
            {
                builder.Password = Decode(userInfo[(colon + 1)..], "the URI's password");
            }
        }

        (libpq.Hosts, libpq.Ports) = ParseHostSpec(hostSpec);
        if (path.Length > 0)
        {
            builder.Database = Decode(path, "the URI's database name");
        }

        try
        {
            foreach (var pair in query.Split('&', StringSplitOptions.RemoveEmptyEntries))
            {
                var equals = pair.IndexOf('=', StringComparison.Ordinal);
                var rawKey = equals < 0 ? pair : pair[..equals];
                var key = rawKey.All(c => char.IsAsciiLetterOrDigit(c) || c == '_') ? rawKey : null;
                var shownKey = key is not null && (IsConninfoKeyword(key) || key == "ssl") ? $"'{key}'" : UnknownKeyword;
                if (key is null || equals < 0)
                {
                    var what = key is null ? "A URI parameter's name is not a libpq keyword" : $"The URI parameter {shownKey} has no value";
                    throw new ArgumentException($"{what}: parameters are written name=value, separated by '&' ({SchemeHint}).");
                }

                libpq.Apply(key, Decode(pair[(equals + 1)..], $"the URI parameter {shownKey}"), $"The URI parameter {shownKey}", conninfo: false);
            }
        }
        catch (ArgumentException) when (at < 0 && query.Contains('@', StringComparison.Ordinal))
        {
            // What follows the '?' may be the rest of a password holding an unencoded '?': none of it is shown.
            throw new ArgumentException($"The URI's parameters cannot be read, and hold an '@' ({SchemeHint}, '?' as %3F).");
        }

        return libpq;
    }

    /// <summary>Splits <c>host1:5432,[::1]:5433,%2Ftmp</c>; an empty entry is a host left to the environment.</summary>
    private static (List<string> Hosts, List<string?> Ports) ParseHostSpec(string hostSpec)
    {
        var hosts = new List<string>();
        var ports = new List<string?>();
        if (hostSpec.Length == 0)
        {
            return (hosts, ports);
        }

        foreach (var entry in hostSpec.Split(','))
        {
            string host;
            string? port = null;
            if (entry.StartsWith('['))
            {
                var close = entry.IndexOf(']', StringComparison.Ordinal);
                if (close < 0 || (close + 1 < entry.Length && entry[close + 1] != ':'))
                {
                    throw new ArgumentException($"An IPv6 host of the URI is not written [address] or [address]:port ({SchemeHint}).");
                }

                host = entry[1..close];
                port = close + 1 < entry.Length ? entry[(close + 2)..] : null;
            }
            else
            {
                var colon = entry.IndexOf(':', StringComparison.Ordinal);
                host = Decode(colon < 0 ? entry : entry[..colon], "a host of the URI");
                port = colon < 0 ? null : entry[(colon + 1)..];
            }

            if (port is { Length: > 0 } && ParsePort(port) is null)
            {
                // The value is not echoed: a password with an unencoded '?' or ':' could end up here.
                throw new ArgumentException($"A port of the URI is not a number from 1 to 65535 ({SchemeHint}).");
            }

            hosts.Add(host);
            ports.Add(port is { Length: > 0 } ? port : null);
        }

        return (hosts, ports);
    }

    private static void SetHosts(NpgsqlConnectionStringBuilder builder, List<string> hosts, List<string?> ports)
    {
        if (hosts.Count > 1 && hosts.Any(host => host.Length == 0))
        {
            throw new ArgumentException("A host of the host list is empty: name every host, or give a single one.");
        }

        if (ports.Count > 1 && ports.Count != Math.Max(hosts.Count, 1))
        {
            throw new ArgumentException($"The DSN gives {ports.Count} ports for {hosts.Count} hosts: give one port, or one per host.");
        }

        var samePort = ports.Distinct().Count() <= 1;
        if (samePort && ports.FirstOrDefault() is { } port)
        {
            builder.Port = int.Parse(port, CultureInfo.InvariantCulture);
        }

        if (hosts.Count == 1 && hosts[0].Length > 0)
        {
            builder.Host = hosts[0];
        }
        else if (hosts.Count > 1)
        {
            // Npgsql reads a port per host from "host:port" entries; an IPv6 address then keeps its brackets.
            builder.Host = string.Join(',', hosts.Select((host, i) => samePort || ports[i] is null
                ? host
                : (host.Contains(':', StringComparison.Ordinal) ? $"[{host}]" : host) + ":" + ports[i]));
        }
    }

    private static void SetOne(NpgsqlConnectionStringBuilder builder, LibpqParameter parameter, string value, string source)
    {
        var converted = parameter.Convert is null ? value : parameter.Convert(value);
        var shown = parameter.Shown ? $" '{value}'" : string.Empty;
        if (converted is null)
        {
            throw new ArgumentException($"{source} has an invalid value{shown}{parameter.Expected}.");
        }

        try
        {
            builder[parameter.Keyword] = converted;
        }
        catch (Exception e) when (e is ArgumentException or FormatException or InvalidCastException or OverflowException)
        {
            throw new ArgumentException($"{source} has an invalid value{shown}.");
        }
    }

    private static string? ParsePort(string value) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port is >= 1 and <= 65535
            ? port.ToString(CultureInfo.InvariantCulture)
            : null;

    private static string? RequireAuthMethods(string value)
    {
        var methods = value.Split(',').Select(method => method.Trim()).ToList();
        var mapped = methods.Select(method => (method.StartsWith('!') ? "!" : string.Empty) + AuthMethods.GetValueOrDefault(method.TrimStart('!'))).ToList();
        return mapped.Any(method => method.TrimStart('!').Length == 0) ? null : string.Join(',', mapped);
    }

    private static string? ParseSeconds(string value) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) ? seconds.ToString(CultureInfo.InvariantCulture) : null;

    /// <summary>Percent-decodes <paramref name="text"/> as UTF-8; an error names <paramref name="part"/>, never the text.</summary>
    private static string Decode(string text, string part)
    {
        if (!text.Contains('%', StringComparison.Ordinal))
        {
            return text;
        }

        var strict = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
        var decoded = new StringBuilder(text.Length);
        var escaped = new List<byte>();
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] == '%')
            {
                if (i + 2 >= text.Length
                    || !byte.TryParse(text.AsSpan(i + 1, 2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var b)
                    || b == 0)
                {
                    throw new ArgumentException(
                        $"The percent-encoding of {part} is invalid: '%' must start an escape such as %40 (and %00 is not allowed).");
                }

                escaped.Add(b);
                i += 2;
                continue;
            }

            Flush();
            decoded.Append(text[i]);
        }

        Flush();
        return decoded.ToString();

        // A run of escapes is one UTF-8 sequence: 'é' is %C3%A9.
        void Flush()
        {
            if (escaped.Count == 0)
            {
                return;
            }

            try
            {
                decoded.Append(strict.GetString([.. escaped]));
            }
            catch (DecoderFallbackException e)
            {
                throw new ArgumentException($"The percent-encoding of {part} is not valid UTF-8.", e);
            }

            escaped.Clear();
        }
    }

    /// <summary>A libpq DSN being read: the builder, and the host and port lists put together at the end.</summary>
    private sealed class LibpqDsn
    {
        public NpgsqlConnectionStringBuilder Builder { get; } = new();

        public List<string> Hosts { get; set; } = [];

        public List<string?> Ports { get; set; } = [];

        public string? FallbackApplicationName { get; private set; }

        /// <summary>Applies the libpq parameter <paramref name="key"/>; <paramref name="source"/> starts error messages.</summary>
        public void Apply(string key, string value, string source, bool conninfo)
        {
            if (value.Length == 0)
            {
                // As in libpq, an empty value is no value: the variable or default applies.
                return;
            }

            switch (key)
            {
                case "host":
                    Hosts = [.. value.Split(',').Select(host => host.Trim())];
                    break;
                case "port":
                    Ports = [.. value.Split(',').Select(port => port.Trim() is { Length: > 0 } p
                        ? ParsePort(p) ?? throw new ArgumentException($"{source} has an invalid value '{p}': expected a number from 1 to 65535, or one per host.")
                        : null)];
                    break;
                case "fallback_application_name":
                    FallbackApplicationName = value;
                    break;
                case "ssl" when !conninfo:
                    // libpq reads this JDBC spelling in URIs as sslmode=require.
                    Builder.SslMode = value == "true"
                        ? SslMode.Require
                        : throw new ArgumentException($"{source} has an invalid value: only ssl=true is read (as sslmode=require).");
                    break;
                default:
                    var parameter = Array.Find(Parameters, p => p.Name == key)
                        ?? throw new ArgumentException(
                            $"{source} is not one Procrastinate reads; known parameters: " +
                            string.Join(", ", Parameters.Select(p => p.Name).Append("fallback_application_name")) + ".");
                    SetOne(Builder, parameter, value, source);
                    break;
            }
        }

        public NpgsqlConnectionStringBuilder Finish()
        {
            SetHosts(Builder, Hosts, Ports);
            return Builder;
        }
    }

    private static LibpqParameter Choice(string name, string keyword, string? variable, Dictionary<string, string> values) =>
        new(name, keyword, variable, values.GetValueOrDefault, ": expected one of " + string.Join(", ", values.Keys));

    /// <summary>A libpq parameter, its Npgsql keyword and variable, and how its value becomes Npgsql's (null: invalid).</summary>
    private sealed record LibpqParameter(
        string Name, string Keyword, string? Variable, Func<string, string?>? Convert = null, string Expected = "", bool Shown = false);
}
