namespace Procrastinate.PostgreSql.Tests.Infrastructure;

/// <summary>A generated DSN carrying a marker secret, and the pieces of it no text may show.</summary>
public sealed record SecretDsn(string Text, IReadOnlyList<string> Pieces)
{
    /// <summary>The first piece of the secret found in <paramref name="text"/> (case-insensitive), or <see langword="null"/>.</summary>
    public string? LeaksIn(string text) => Pieces.FirstOrDefault(piece => text.Contains(piece, StringComparison.OrdinalIgnoreCase));

    public override string ToString() => Text;
}

/// <summary>
/// DSNs in the three forms (Npgsql, libpq key=value, URI), each with a marker secret in a value that is neither host,
/// port, database nor user, the marker split by a separator that breaks the form in a different way each time, and
/// written raw or quoted. The server is 127.0.0.1 port 1, which refuses connections at once.
/// </summary>
public static class SecretDsns
{
    private const string First = "qzmkfirst";
    private const string Second = "vxwjsecond";

    private static readonly string[] Separators =
    [
        "", ";", " ", "  ", "'", "\"", "=", "==", "@", "/", "?", ":", "%", "%zz", "%00", "%C3", "%40", "&", "#", "\\", "\\'",
        ",", "\n", "\t", "\0", "'x", "\"x", " x=", ";x=", "&x=", "?x=", "=;", ";;", "{", "}", "[", "]", "+", "é",
        "\ud800", " port=x ", ";Port=abc;", "&sslmode=bogus&", ";Bogus=1;", " foo=1 ", "&foo=1&", "@[::1", ":99999/",
    ];

    private static readonly string[] NpgsqlKeywords =
    [
        "Password", "SSL Password", "Application Name", "Options", "SSL Key", "SSL Certificate", "Root Certificate",
        "Passfile", "SSL Mode", "Timeout", "Kerberos Service Name", "Pasword",
    ];

    private static readonly string[] LibpqKeywords =
    [
        "password", "sslpassword", "application_name", "options", "sslkey", "sslcert", "sslrootcert", "passfile",
        "sslmode", "connect_timeout", "krbsrvname", "target_session_attrs", "keepalives", "pasword",
    ];

    public static IEnumerable<SecretDsn> All()
    {
        foreach (var separator in Separators)
        {
            var secret = First + separator + Second;
            IReadOnlyList<string> pieces = separator.Length == 0 ? [secret] : [First, Second];

            foreach (var keyword in NpgsqlKeywords)
            {
                foreach (var value in new[] { secret, "\"" + secret + "\"", "'" + secret + "'", "\"" + secret, "'" + secret })
                {
                    yield return new($"Host=127.0.0.1;Port=1;{keyword}={value};Database=d1", pieces);
                    yield return new($"{keyword}={value};Host=127.0.0.1;Port=1", pieces);
                }
            }

            foreach (var keyword in LibpqKeywords)
            {
                foreach (var value in new[] { secret, "'" + secret + "'", "'" + secret })
                {
                    yield return new($"host=127.0.0.1 port=1 {keyword}={value} dbname=d1", pieces);
                    yield return new($"{keyword}={value} host=127.0.0.1 port=1", pieces);
                }
            }

            foreach (var value in new[] { secret, Uri.EscapeDataString(secret.Replace("\ud800", string.Empty, StringComparison.Ordinal)) })
            {
                yield return new($"postgresql://u:{value}@127.0.0.1:1/d1", pieces);
                yield return new($"postgres://u:{value}@127.0.0.1:1", pieces);
                yield return new($"postgresql://u:{value}@127.0.0.1:1/d1?sslmode=bogus", pieces);
                yield return new($"postgresql://u:{value}", pieces);
                yield return new($"postgresql://:{value}@", pieces);
                foreach (var keyword in LibpqKeywords)
                {
                    yield return new($"postgresql://u@127.0.0.1:1/d1?{keyword}={value}", pieces);
                    yield return new($"postgresql://u@127.0.0.1:1/d1?{keyword}={value}&application_name=a", pieces);
                }
            }
        }
    }
}
