using System.Diagnostics;
using System.IO.Compression;
using System.Xml.Linq;

namespace Procrastinate.Generators.Tests;

/// <summary>
/// The <c>Procrastinate</c> package carries the generator, so one package reference is all an app adds; every package
/// carries what a NuGet user expects; the test package carries no database driver.
/// </summary>
public sealed class PackageTests : IDisposable
{
    private readonly string _output = Path.Combine(Path.GetTempPath(), "procrastinate-pack-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_output))
        {
            Directory.Delete(_output, recursive: true);
        }
    }

    [Fact]
    public async Task Pack_ShipsTheGeneratorAsAnAnalyzerAndNotAsADependency()
    {
        var project = Path.Combine(BuildInfo.RepositoryRoot, "src", "Procrastinate", "Procrastinate.csproj");
        var (exitCode, log) = await RunAsync("dotnet", "pack", project, "-c", BuildInfo.Configuration, "-o", _output, "--no-restore", "-nodeReuse:false");
        Assert.True(exitCode == 0, log);

        using var package = ZipFile.OpenRead(Directory.GetFiles(_output, "Procrastinate.*.nupkg").Single());
        var entries = package.Entries.Select(e => e.FullName).ToList();
        Assert.Contains("analyzers/dotnet/cs/Procrastinate.Generators.dll", entries);
        Assert.Contains("lib/net8.0/Procrastinate.dll", entries);
        Assert.Contains("lib/net10.0/Procrastinate.dll", entries);
        Assert.DoesNotContain(entries, e => e.StartsWith("lib/", StringComparison.Ordinal) && e.EndsWith("Procrastinate.Generators.dll", StringComparison.Ordinal));

        var built = Path.Combine(BuildInfo.RepositoryRoot, "generators", "Procrastinate.Generators", "bin", BuildInfo.Configuration, "netstandard2.0", "Procrastinate.Generators.dll");
        await using (var shipped = package.GetEntry("analyzers/dotnet/cs/Procrastinate.Generators.dll")!.Open())
        {
            using var copy = new MemoryStream();
            await shipped.CopyToAsync(copy);
            Assert.Equal(await File.ReadAllBytesAsync(built), copy.ToArray());
        }

        await using var nuspecStream = package.Entries.Single(e => e.FullName.EndsWith(".nuspec", StringComparison.Ordinal)).Open();
        var nuspec = await XDocument.LoadAsync(nuspecStream, LoadOptions.None, CancellationToken.None);
        var dependencies = nuspec.Descendants().Where(e => e.Name.LocalName == "dependency").Select(e => (string)e.Attribute("id")!).ToList();
        Assert.NotEmpty(dependencies);
        Assert.DoesNotContain("Procrastinate.Generators", dependencies);
    }

    [Fact]
    public async Task Pack_TestingPackageCarriesNoDatabaseDriver_AndEveryPackageItsMetadata()
    {
        var project = Path.Combine(BuildInfo.RepositoryRoot, "src", "Procrastinate.Testing", "Procrastinate.Testing.csproj");
        var (exitCode, log) = await RunAsync("dotnet", "pack", project, "-c", BuildInfo.Configuration, "-o", _output, "--no-restore", "-nodeReuse:false");
        Assert.True(exitCode == 0, log);

        // Packing Procrastinate.Testing packs nothing else; Procrastinate (its one project dependency) is checked by
        // the project graph: neither it nor anything it references names Npgsql.
        var nupkg = Directory.GetFiles(_output, "Procrastinate.Testing.*.nupkg").Single();
        var testing = await ReadNuspecAsync(nupkg);
        var dependencies = testing.Descendants().Where(e => e.Name.LocalName == "dependency").Select(e => (string)e.Attribute("id")!).ToHashSet();
        Assert.Contains("Procrastinate", dependencies);
        Assert.DoesNotContain(dependencies, id => id.StartsWith("Npgsql", StringComparison.OrdinalIgnoreCase));
        Assert.DoesNotContain(PackageReferencesInGraph(project), id => id.StartsWith("Npgsql", StringComparison.OrdinalIgnoreCase));

        string Field(string name) => testing.Descendants().Single(e => e.Name.LocalName == name).Value;
        Assert.Equal("MIT", Field("license"));
        Assert.Equal("README.md", Field("readme"));
        Assert.Contains("in-memory", Field("description"), StringComparison.Ordinal);
        Assert.Contains("testing", Field("tags").Split(' '));
        var repository = testing.Descendants().Single(e => e.Name.LocalName == "repository");
        Assert.StartsWith("https://github.com/", (string)repository.Attribute("url")!, StringComparison.Ordinal);
        Assert.Matches("^[0-9a-f]{40}$", (string)repository.Attribute("commit")!);
        Assert.True(File.Exists(Path.ChangeExtension(nupkg, ".snupkg")), "no symbols package");

        using var package = ZipFile.OpenRead(nupkg);
        Assert.Contains("README.md", package.Entries.Select(e => e.FullName));
        Assert.Contains("lib/net10.0/Procrastinate.Testing.xml", package.Entries.Select(e => e.FullName));
    }

    /// <summary>The package ids a project references, itself and through its project references.</summary>
    private static HashSet<string> PackageReferencesInGraph(string project)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var packages = new HashSet<string>(StringComparer.Ordinal);
        var pending = new Stack<string>([Path.GetFullPath(project)]);
        while (pending.TryPop(out var path))
        {
            if (!seen.Add(path))
            {
                continue;
            }

            var document = XDocument.Load(path);
            foreach (var item in document.Descendants())
            {
                var include = (string?)item.Attribute("Include");
                if (item.Name.LocalName == "PackageReference" && include is not null)
                {
                    packages.Add(include);
                }
                else if (item.Name.LocalName == "ProjectReference" && include is not null)
                {
                    pending.Push(Path.GetFullPath(Path.Combine(Path.GetDirectoryName(path)!, include)));
                }
            }
        }

        Assert.Contains(seen, p => p.EndsWith("Procrastinate.csproj", StringComparison.Ordinal));
        return packages;
    }

    private static async Task<XDocument> ReadNuspecAsync(string nupkg)
    {
        using var package = ZipFile.OpenRead(nupkg);
        await using var stream = package.Entries.Single(e => e.FullName.EndsWith(".nuspec", StringComparison.Ordinal)).Open();
        return await XDocument.LoadAsync(stream, LoadOptions.None, CancellationToken.None);
    }

    private static async Task<(int ExitCode, string Log)> RunAsync(string fileName, params string[] arguments)
    {
        var start = new ProcessStartInfo(fileName) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(8));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout + await stderr);
    }
}
