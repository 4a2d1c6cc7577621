[assembly: CollectionBehavior(DisableTestParallelization = true)]

namespace Procrastinate.Docs.Tests;

/// <summary>Every C# block of <c>docs/**/*.md</c> is copied from a compiled file; see <see cref="SnippetChecker"/>.</summary>
public class DocsSnippetTests
{
    private static readonly string Root = FindRepositoryRoot();

    [Fact]
    public void EveryCSharpBlockOfTheDocs_IsInItsSnippetFile()
    {
        var pages = Pages();
        Assert.NotEmpty(pages);

        var errors = pages.SelectMany(page => SnippetChecker.Check(page, File.ReadAllText(Path.Combine(Root, page)), ReadRepositoryFile)).ToList();

        Assert.True(errors.Count == 0, $"{errors.Count} C# block(s) of docs/ do not match their source:\n" + string.Join("\n", errors));
    }

    [Fact]
    public void EveryPage_IsListedInTheDocsIndex()
    {
        var index = File.ReadAllText(Path.Combine(Root, "docs", "README.md"));

        var missing = Pages()
            .Where(page => page != "docs/README.md" && !page.StartsWith("docs/diagnostics/", StringComparison.Ordinal))
            .Where(page => !index.Contains("(" + page["docs/".Length..] + ")", StringComparison.Ordinal))
            .ToList();

        Assert.True(missing.Count == 0, "docs/README.md does not link: " + string.Join(", ", missing));
        Assert.Contains("(diagnostics/README.md)", index, StringComparison.Ordinal);
    }

    [Fact]
    public void VerbatimBlock_Passes()
    {
        var page = Page("<!-- snippet: src/A.cs -->", "```csharp", "    var x = 1;", "", "var y = 2;", "```");

        Assert.Empty(SnippetChecker.Check("docs/a.md", page, Files(("src/A.cs", "// a\nvar x = 1;\n\n        var y = 2;\n"))));
    }

    [Fact]
    public void BlockWithoutMarker_Fails_NamingPageAndLine()
    {
        var page = Page("Some text", "", "```csharp", "var x = 1;", "```");

        var error = Assert.Single(SnippetChecker.Check("docs/a.md", page, Files()));

        Assert.StartsWith("docs/a.md:3 ", error, StringComparison.Ordinal);
        Assert.Contains("no marker", error, StringComparison.Ordinal);
    }

    [Fact]
    public void ChangedLine_Fails_NamingThePageLineAndTheFileLine()
    {
        var page = Page("<!-- snippet: src/A.cs -->", "```csharp", "var x = 1;", "var y = 3;", "```");

        var error = Assert.Single(SnippetChecker.Check("docs/a.md", page, Files(("src/A.cs", "var x = 1;\nvar y = 2;\n"))));

        Assert.Equal(
            "docs/a.md:2 (```csharp block): the block matches src/A.cs from its line 1 for 1 line(s), then page line 4 `var y = 3;` differs from src/A.cs line 2 `var y = 2;`.",
            error);
    }

    [Fact]
    public void LinesThatAreNotContiguous_Fail()
    {
        var page = Page("<!-- snippet: src/A.cs -->", "```csharp", "var x = 1;", "var z = 3;", "```");

        Assert.Single(SnippetChecker.Check("docs/a.md", page, Files(("src/A.cs", "var x = 1;\nvar y = 2;\nvar z = 3;\n"))));
    }

    [Fact]
    public void RegionMarker_ChecksTheBlockAgainstThatRegionOnly()
    {
        var file = ("src/A.cs", "var x = 1;\n// region: setup\nvar y = 2;\n// endregion\n");

        Assert.Empty(SnippetChecker.Check("docs/a.md", Page("<!-- snippet: src/A.cs#setup -->", "```csharp", "var y = 2;", "```"), Files(file)));
        Assert.Single(SnippetChecker.Check("docs/a.md", Page("<!-- snippet: src/A.cs#setup -->", "```csharp", "var x = 1;", "```"), Files(file)));
        Assert.Contains("no line '// region: other'", Assert.Single(SnippetChecker.Check("docs/a.md", Page("<!-- snippet: src/A.cs#other -->", "```csharp", "var y = 2;", "```"), Files(file))), StringComparison.Ordinal);
    }

    [Fact]
    public void MissingSnippetFile_Fails()
    {
        var page = Page("<!-- snippet: src/Gone.cs -->", "```csharp", "var x = 1;", "```");

        var error = Assert.Single(SnippetChecker.Check("docs/a.md", page, Files()));

        Assert.Contains("'src/Gone.cs' does not exist", error, StringComparison.Ordinal);
    }

    [Fact]
    public void NotCompiledMarker_IsAcceptedOnlyUnderDiagnostics()
    {
        var page = Page(SnippetChecker.NotCompiledMarker, "```csharp", "public static partial void Broken<T>();", "```");

        Assert.Empty(SnippetChecker.Check("docs/diagnostics/PROC003.md", page, Files()));
        Assert.Single(SnippetChecker.Check("docs/a.md", page, Files()));
    }

    [Fact]
    public void OtherLanguages_AreNotChecked()
    {
        var page = Page("```python", "@app.task", "```", "```", "defer x '{}'", "```");

        Assert.Empty(SnippetChecker.Check("docs/a.md", page, Files()));
    }

    private static string Page(params string[] lines) => string.Join("\n", lines) + "\n";

    private static Func<string, string?> Files(params (string Path, string Text)[] files) =>
        path => files.FirstOrDefault(f => f.Path == path).Text;

    private static List<string> Pages() =>
        Directory.EnumerateFiles(Path.Combine(Root, "docs"), "*.md", SearchOption.AllDirectories)
            .Select(path => Path.GetRelativePath(Root, path).Replace('\\', '/'))
            .Order(StringComparer.Ordinal)
            .ToList();

    private static string? ReadRepositoryFile(string relativePath)
    {
        var full = Path.GetFullPath(Path.Combine(Root, relativePath));
        return full.StartsWith(Root, StringComparison.Ordinal) && File.Exists(full) ? File.ReadAllText(full) : null;
    }

    private static string FindRepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Procrastinate.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("Procrastinate.sln not found above " + AppContext.BaseDirectory);
    }
}
