namespace Procrastinate.Docs.Tests;

/// <summary>
/// Checks the C# blocks of one Markdown page: each needs a <c>&lt;!-- snippet: path --&gt;</c> marker on the nearest
/// non-blank line above it, and its lines must appear in that file in order and contiguous (leading indentation,
/// trailing spaces and blank lines ignored). Pages under <c>docs/diagnostics/</c> may instead mark a block
/// <c>&lt;!-- not compiled: shows a compiler error --&gt;</c>.
/// </summary>
internal static class SnippetChecker
{
    public const string SnippetPrefix = "<!-- snippet:";
    public const string NotCompiledMarker = "<!-- not compiled: shows a compiler error -->";

    private static readonly string[] CSharpInfoStrings = ["csharp", "cs", "c#"];

    /// <summary>Returns one message per problem; empty when the page is fine.</summary>
    /// <param name="page">The page's path relative to the repository root, with <c>/</c> separators.</param>
    /// <param name="markdown">The page's text.</param>
    /// <param name="readFile">Reads a file by its path relative to the repository root; null when it does not exist.</param>
    public static List<string> Check(string page, string markdown, Func<string, string?> readFile)
    {
        var errors = new List<string>();
        var lines = markdown.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
        var allowNotCompiled = page.StartsWith("docs/diagnostics/", StringComparison.Ordinal);
        for (var i = 0; i < lines.Length; i++)
        {
            var fence = lines[i].Trim();
            if (!fence.StartsWith("```", StringComparison.Ordinal))
            {
                continue;
            }

            var end = FindClosingFence(lines, i);
            var info = fence[3..].Trim();
            if (CSharpInfoStrings.Contains(info, StringComparer.OrdinalIgnoreCase))
            {
                var block = lines[(i + 1)..end];
                var error = CheckBlock(page, i + 1, MarkerAbove(lines, i), block, allowNotCompiled, readFile);
                if (error is not null)
                {
                    errors.Add(error);
                }
            }

            i = end;
        }

        return errors;
    }

    private static string? CheckBlock(
        string page, int fenceLine, string? marker, string[] block, bool allowNotCompiled, Func<string, string?> readFile)
    {
        var where = $"{page}:{fenceLine} (```csharp block)";
        if (marker == NotCompiledMarker)
        {
            return allowNotCompiled
                ? null
                : $"{where}: '{NotCompiledMarker}' is only for docs/diagnostics/ pages; elsewhere every C# block must come from a compiled file ({SnippetPrefix} path -->).";
        }

        if (marker is null || !marker.StartsWith(SnippetPrefix, StringComparison.Ordinal) || !marker.EndsWith("-->", StringComparison.Ordinal))
        {
            var expected = allowNotCompiled ? $"'{SnippetPrefix} path/File.cs -->' or '{NotCompiledMarker}'" : $"'{SnippetPrefix} path/File.cs -->'";
            return $"{where}: no marker on the line above the block; add {expected} (path relative to the repository root).";
        }

        // "path#name" narrows the file to the lines between "// region: name" and the next "// endregion".
        var target = marker[SnippetPrefix.Length..^"-->".Length].Trim();
        var hash = target.IndexOf('#', StringComparison.Ordinal);
        var path = hash < 0 ? target : target[..hash];
        var source = readFile(path);
        if (source is null)
        {
            return $"{where}: the snippet file '{path}' does not exist (paths are relative to the repository root).";
        }

        if (hash >= 0)
        {
            var region = target[(hash + 1)..];
            var all = source.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
            var start = Array.FindIndex(all, l => l.Trim() == "// region: " + region);
            if (start < 0)
            {
                return $"{where}: '{path}' has no line '// region: {region}'.";
            }

            source = string.Join('\n', all.Skip(start + 1).TakeWhile(l => l.Trim() != "// endregion"));
        }

        var wanted = Significant(block.Select((text, index) => (text, line: fenceLine + 1 + index)));
        if (wanted.Count == 0)
        {
            return $"{where}: the block is empty.";
        }

        var have = Significant(source.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n').Select((text, index) => (text, line: index + 1)));
        var (bestStart, bestLength) = (-1, -1);
        for (var start = 0; start < have.Count; start++)
        {
            var length = 0;
            while (length < wanted.Count && start + length < have.Count && have[start + length].text == wanted[length].text)
            {
                length++;
            }

            if (length == wanted.Count)
            {
                return null;
            }

            if (length > bestLength)
            {
                (bestStart, bestLength) = (start, length);
            }
        }

        var (missingText, missingLine) = wanted[bestLength];
        if (bestLength == 0)
        {
            return $"{where}: page line {missingLine} `{missingText}` is not in {path}; the block must be copied verbatim from it.";
        }

        var fileLine = bestStart + bestLength < have.Count ? have[bestStart + bestLength] : ("<end of file>", 0);
        return $"{where}: the block matches {path} from its line {have[bestStart].line} for {bestLength} line(s), then page line " +
            $"{missingLine} `{missingText}` differs from {path} line {fileLine.Item2} `{fileLine.Item1}`.";
    }

    private static List<(string text, int line)> Significant(IEnumerable<(string text, int line)> lines) =>
        lines.Select(l => (text: l.text.Trim(), l.line)).Where(l => l.text.Length > 0).ToList();

    private static string? MarkerAbove(string[] lines, int fence)
    {
        for (var i = fence - 1; i >= 0; i--)
        {
            var text = lines[i].Trim();
            if (text.Length > 0)
            {
                return text.StartsWith("<!--", StringComparison.Ordinal) ? text : null;
            }
        }

        return null;
    }

    private static int FindClosingFence(string[] lines, int open)
    {
        for (var i = open + 1; i < lines.Length; i++)
        {
            if (lines[i].Trim() == "```")
            {
                return i;
            }
        }

        return lines.Length;
    }
}
