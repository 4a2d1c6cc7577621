using System.Text;
using System.Text.RegularExpressions;

namespace Procrastinate.Generators.Tests;

/// <summary>
/// Compares generated files with the checked-in <c>Snapshots/&lt;name&gt;/*.verified.cs</c> (the set of files and
/// each file's text). Any difference fails with a line diff and leaves a <c>.received.cs</c> beside the verified
/// file. With <c>PROCRASTINATE_UPDATE_SNAPSHOTS=1</c> the received output is written as verified instead, and
/// verified files the generator no longer produces are deleted.
/// </summary>
internal static partial class Snapshot
{
    public const string UpdateVariable = "PROCRASTINATE_UPDATE_SNAPSHOTS";
    private const string VerifiedSuffix = ".verified.cs";
    private const string ReceivedSuffix = ".received.cs";

    public static bool UpdateRequested => Environment.GetEnvironmentVariable(UpdateVariable) == "1";

    public static string Directory(string name) => Path.Combine(BuildInfo.ProjectDirectory, "Snapshots", name);

    /// <summary>Verifies <paramref name="files"/> (keyed by hint name, e.g. <c>App.Tasks.Run.g.cs</c>).</summary>
    public static void Verify(string name, IReadOnlyDictionary<string, string> files)
    {
        var problems = Compare(Directory(name), files, UpdateRequested);
        Assert.True(problems.Length == 0, problems);
    }

    /// <summary>The comparison itself; returns the failure text, empty when the snapshot matches.</summary>
    public static string Compare(string directory, IReadOnlyDictionary<string, string> files, bool update)
    {
        var received = files.ToDictionary(f => FileName(f.Key), f => Scrub(f.Value), StringComparer.Ordinal);
        System.IO.Directory.CreateDirectory(directory);
        var verified = System.IO.Directory.GetFiles(directory, "*" + VerifiedSuffix)
            .ToDictionary(path => Path.GetFileName(path), path => Normalize(File.ReadAllText(path)), StringComparer.Ordinal);
        foreach (var stale in System.IO.Directory.GetFiles(directory, "*" + ReceivedSuffix))
        {
            File.Delete(stale);
        }

        if (update)
        {
            foreach (var file in verified.Keys.Except(received.Keys))
            {
                File.Delete(Path.Combine(directory, file));
            }

            foreach (var (file, text) in received)
            {
                File.WriteAllText(Path.Combine(directory, file), text);
            }

            return "";
        }

        var report = new StringBuilder();
        var relative = Path.GetRelativePath(BuildInfo.RepositoryRoot, directory);
        foreach (var file in verified.Keys.Except(received.Keys).Order(StringComparer.Ordinal))
        {
            report.Append("- ").Append(relative).Append('/').Append(file).AppendLine(" is verified but no longer generated");
        }

        foreach (var (file, text) in received.OrderBy(f => f.Key, StringComparer.Ordinal))
        {
            if (!verified.TryGetValue(file, out var expected))
            {
                report.Append("+ ").Append(relative).Append('/').Append(file).AppendLine(" is generated but not verified");
            }
            else if (expected != text)
            {
                report.Append("~ ").Append(relative).Append('/').Append(file).AppendLine(" differs (- verified, + received):");
                report.Append(LineDiff.Format(expected, text));
            }
            else
            {
                continue;
            }

            File.WriteAllText(Path.Combine(directory, file[..^VerifiedSuffix.Length] + ReceivedSuffix), text);
        }

        if (report.Length > 0)
        {
            report.Insert(0, $"Snapshot {relative} does not match. Review the diff; if the new output is right, rerun with {UpdateVariable}=1.\n");
        }

        return report.ToString();
    }

    /// <summary><c>App.Tasks.Run.g.cs</c> becomes <c>App.Tasks.Run.verified.cs</c>.</summary>
    public static string FileName(string hintName)
    {
        var stem = hintName.EndsWith(".g.cs", StringComparison.Ordinal) ? hintName[..^5]
            : hintName.EndsWith(".cs", StringComparison.Ordinal) ? hintName[..^3]
            : hintName;
        return stem + VerifiedSuffix;
    }

    /// <summary>Replaces what changes with every release (the generator version) and normalizes line endings.</summary>
    public static string Scrub(string text) =>
        GeneratedCodeVersion().Replace(Normalize(text), "$1{version}$2");

    private static string Normalize(string text) => text.Replace("\r\n", "\n", StringComparison.Ordinal);

    [GeneratedRegex("""(GeneratedCode\("Procrastinate\.Generators", ")[^"]*("\))""")]
    private static partial Regex GeneratedCodeVersion();
}
