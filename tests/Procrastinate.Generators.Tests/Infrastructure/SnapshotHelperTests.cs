namespace Procrastinate.Generators.Tests;

/// <summary>The snapshot helper itself: it must fail on every kind of difference, and update only when asked.</summary>
public sealed class SnapshotHelperTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "procrastinate-snapshot-" + Guid.NewGuid().ToString("N"));

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static Dictionary<string, string> Files(params (string Hint, string Text)[] files) =>
        files.ToDictionary(f => f.Hint, f => f.Text);

    [Fact]
    public void Update_WritesScrubbedFilesAndDeletesStaleOnes()
    {
        Directory.CreateDirectory(_directory);
        File.WriteAllText(Path.Combine(_directory, "Old.verified.cs"), "old");
        var text = "[GeneratedCode(\"Procrastinate.Generators\", \"1.2.3\")]\r\nclass A { }\n";

        Assert.Equal("", Snapshot.Compare(_directory, Files(("App.A.g.cs", text)), update: true));

        Assert.Equal(["App.A.verified.cs"], Directory.GetFiles(_directory).Select(Path.GetFileName));
        Assert.Equal("[GeneratedCode(\"Procrastinate.Generators\", \"{version}\")]\nclass A { }\n", File.ReadAllText(Path.Combine(_directory, "App.A.verified.cs")));
        Assert.Equal("", Snapshot.Compare(_directory, Files(("App.A.g.cs", text.Replace("1.2.3", "9.9.9", StringComparison.Ordinal))), update: false));
    }

    [Fact]
    public void Difference_FailsWithALineDiffAndLeavesTheReceivedFile()
    {
        var before = string.Join('\n', Enumerable.Range(1, 20).Select(i => "line " + i)) + "\n";
        Snapshot.Compare(_directory, Files(("A.g.cs", before)), update: true);
        var after = before.Replace("line 10\n", "line ten\n", StringComparison.Ordinal);

        var report = Snapshot.Compare(_directory, Files(("A.g.cs", after)), update: false);

        Assert.Contains("A.verified.cs differs", report, StringComparison.Ordinal);
        Assert.Contains("@@ verified line 8 @@\n  line 8\n  line 9\n- line 10\n+ line ten\n  line 11\n  line 12\n", report, StringComparison.Ordinal);
        Assert.DoesNotContain("line 7\n", report, StringComparison.Ordinal);
        Assert.Contains(Snapshot.UpdateVariable + "=1", report, StringComparison.Ordinal);
        Assert.Equal(after, File.ReadAllText(Path.Combine(_directory, "A.received.cs")));
        Assert.Equal(before, File.ReadAllText(Path.Combine(_directory, "A.verified.cs")));

        Assert.Equal("", Snapshot.Compare(_directory, Files(("A.g.cs", before)), update: false));
        Assert.False(File.Exists(Path.Combine(_directory, "A.received.cs")));
    }

    [Fact]
    public void MissingOrExtraFile_Fails()
    {
        Snapshot.Compare(_directory, Files(("A.g.cs", "a"), ("B.g.cs", "b")), update: true);

        var report = Snapshot.Compare(_directory, Files(("A.g.cs", "a"), ("C.g.cs", "c")), update: false);

        Assert.Contains("B.verified.cs is verified but no longer generated", report, StringComparison.Ordinal);
        Assert.Contains("C.verified.cs is generated but not verified", report, StringComparison.Ordinal);
        Assert.DoesNotContain("A.verified.cs", report, StringComparison.Ordinal);
    }
}
