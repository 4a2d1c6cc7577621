using System.Diagnostics;
using System.IO.Compression;
using System.Xml.Linq;

namespace Procrastinate.Generators.Tests;

/// <summary>The <c>Procrastinate</c> package carries the generator, so one package reference is all an app adds.</summary>
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
