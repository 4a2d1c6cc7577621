using System.Globalization;
using System.Text;

namespace Procrastinate.Generators.Tests;

/// <summary>A readable line diff (longest common subsequence) with a little context around each change.</summary>
internal static class LineDiff
{
    private const int Context = 2;

    public static string Format(string expected, string actual)
    {
        var edits = Edits(expected.Split('\n'), actual.Split('\n'));
        var shown = new bool[edits.Count];
        for (var i = 0; i < edits.Count; i++)
        {
            if (edits[i].Kind != ' ')
            {
                for (var j = Math.Max(0, i - Context); j <= Math.Min(edits.Count - 1, i + Context); j++)
                {
                    shown[j] = true;
                }
            }
        }

        var builder = new StringBuilder();
        for (var i = 0; i < edits.Count; i++)
        {
            if (!shown[i])
            {
                continue;
            }

            if (i == 0 || !shown[i - 1])
            {
                builder.Append(CultureInfo.InvariantCulture, $"@@ verified line {edits[i].Line + 1} @@\n");
            }

            builder.Append(edits[i].Kind).Append(' ').Append(edits[i].Text).Append('\n');
        }

        return builder.ToString();
    }

    /// <summary>The edit script: each line kept (' '), removed ('-') or added ('+'), with its verified line number.</summary>
    private static List<(int Line, char Kind, string Text)> Edits(string[] a, string[] b)
    {
        var lengths = new int[a.Length + 1, b.Length + 1];
        for (var i = a.Length - 1; i >= 0; i--)
        {
            for (var j = b.Length - 1; j >= 0; j--)
            {
                lengths[i, j] = a[i] == b[j] ? lengths[i + 1, j + 1] + 1 : Math.Max(lengths[i + 1, j], lengths[i, j + 1]);
            }
        }

        var edits = new List<(int, char, string)>();
        int x = 0, y = 0;
        while (x < a.Length || y < b.Length)
        {
            if (x < a.Length && y < b.Length && a[x] == b[y])
            {
                edits.Add((x, ' ', a[x]));
                x++;
                y++;
            }
            else if (x < a.Length && (y == b.Length || lengths[x + 1, y] >= lengths[x, y + 1]))
            {
                edits.Add((x, '-', a[x]));
                x++;
            }
            else
            {
                edits.Add((x, '+', b[y]));
                y++;
            }
        }

        return edits;
    }
}
