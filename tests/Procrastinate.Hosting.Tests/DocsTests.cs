using System.Text.RegularExpressions;

namespace Procrastinate.Hosting.Tests;

public sealed partial class DocsTests
{
    [Fact]
    public void EverySnippetOfTheHostingGuide_IsTheRegionOfItsCompiledFile()
    {
        var root = RepositoryRoot();
        var guide = File.ReadAllText(Path.Combine(root, "docs", "hosting.md"));
        var snippets = Snippet().Matches(guide);

        Assert.True(snippets.Count >= 4, $"found {snippets.Count} snippets");
        foreach (Match snippet in snippets)
        {
            var (path, region) = (snippet.Groups["path"].Value, snippet.Groups["region"].Value);
            var expected = Region(File.ReadAllLines(Path.Combine(root, path)), region);
            Assert.True(expected.Length > 0, $"{path} has no region '{region}'");
            Assert.Equal(expected, snippet.Groups["code"].Value.Replace("\r", "", StringComparison.Ordinal));
        }
    }

    private static string Region(string[] lines, string name)
    {
        var start = Array.FindIndex(lines, l => l.Trim() == "// region: " + name);
        if (start < 0)
        {
            return "";
        }

        var body = lines.Skip(start + 1).TakeWhile(l => l.Trim() != "// endregion").ToList();
        var indent = body.Where(l => l.Trim().Length > 0).Min(l => l.Length - l.TrimStart().Length);
        return string.Join("\n", body.Select(l => l.Length >= indent ? l[indent..] : l.TrimStart()));
    }

    private static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Procrastinate.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("Procrastinate.sln not found above the test binaries.");
    }

    [GeneratedRegex(@"<!-- snippet: (?<path>\S+)#(?<region>\S+) -->\r?\n```csharp\r?\n(?<code>.*?)\r?\n```", RegexOptions.Singleline)]
    private static partial Regex Snippet();
}
