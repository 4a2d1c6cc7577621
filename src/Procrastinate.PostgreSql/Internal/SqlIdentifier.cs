using System.Text;

namespace Procrastinate.PostgreSql.Internal;

/// <summary>
/// The one way a name reaches SQL text: <see cref="Quote"/> always writes a double-quoted identifier. Every other value
/// is a parameter. Names are checked first (<see cref="Validate"/>), so what is quoted is exactly the name given.
/// </summary>
internal static class SqlIdentifier
{
    /// <summary>PostgreSQL's identifier limit (NAMEDATALEN - 1); a longer name would be cut silently by the server.</summary>
    public const int MaxBytes = 63;

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>Writes <paramref name="name"/> as a quoted identifier (a <c>"</c> inside is doubled).</summary>
    /// <exception cref="ArgumentException">The name is not one PostgreSQL can hold as it is (see <see cref="Validate"/>).</exception>
    public static string Quote(string name)
    {
        Validate(name, "identifier", nameof(name));
        return "\"" + name.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
    }

    /// <summary>
    /// Checks that <paramref name="name"/> is a name PostgreSQL keeps as given: not empty or blank, no NUL or other
    /// control character, at most <see cref="MaxBytes"/> UTF-8 bytes, valid UTF-16.
    /// </summary>
    /// <param name="name">The name.</param>
    /// <param name="role">What the name is, for the message (for example "schema name").</param>
    /// <param name="parameterName">The parameter the exception names.</param>
    /// <exception cref="ArgumentException">The name is unusable; the message names its role and why.</exception>
    public static void Validate(string? name, string role, string? parameterName)
    {
        if (string.IsNullOrWhiteSpace(name))
        {
            throw new ArgumentException($"The {role} is empty.", parameterName);
        }

        if (name.Any(char.IsControl))
        {
            throw new ArgumentException($"The {role} holds a control character (NUL, newline, escape, ...).", parameterName);
        }

        int bytes;
        try
        {
            bytes = StrictUtf8.GetByteCount(name);
        }
        catch (EncoderFallbackException)
        {
            throw new ArgumentException($"The {role} holds a lone UTF-16 surrogate.", parameterName);
        }

        if (bytes > MaxBytes)
        {
            throw new ArgumentException($"The {role} is {bytes} bytes long; PostgreSQL names hold at most {MaxBytes}.", parameterName);
        }
    }

    /// <summary>
    /// Reads a <c>search_path</c> value as PostgreSQL does: names separated by commas, each either double-quoted (a
    /// doubled <c>""</c> inside) or bare (lowercased); <see langword="null"/> when it is not such a list.
    /// </summary>
    public static IReadOnlyList<string>? ParseSearchPath(string searchPath)
    {
        var names = new List<string>();
        var i = 0;
        while (true)
        {
            while (i < searchPath.Length && char.IsWhiteSpace(searchPath[i]))
            {
                i++;
            }

            var name = new StringBuilder();
            if (i < searchPath.Length && searchPath[i] == '"')
            {
                i++;
                while (true)
                {
                    if (i == searchPath.Length)
                    {
                        return null;
                    }

                    if (searchPath[i] == '"')
                    {
                        if (i + 1 < searchPath.Length && searchPath[i + 1] == '"')
                        {
                            name.Append('"');
                            i += 2;
                            continue;
                        }

                        i++;
                        break;
                    }

                    name.Append(searchPath[i++]);
                }
            }
            else
            {
                while (i < searchPath.Length && searchPath[i] != ',' && !char.IsWhiteSpace(searchPath[i]) && searchPath[i] != '"')
                {
                    name.Append(char.ToLowerInvariant(searchPath[i++]));
                }
            }

            if (name.Length == 0)
            {
                return null;
            }

            names.Add(name.ToString());
            while (i < searchPath.Length && char.IsWhiteSpace(searchPath[i]))
            {
                i++;
            }

            if (i == searchPath.Length)
            {
                return names;
            }

            if (searchPath[i] != ',')
            {
                return null;
            }

            i++;
        }
    }
}
