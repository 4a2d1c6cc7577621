using System.Reflection;

namespace Procrastinate.Generators.Tests;

/// <summary>Facts about the build of this test project, embedded by its project file as assembly metadata.</summary>
internal static class BuildInfo
{
    /// <summary>The test project's source directory (snapshots live under it).</summary>
    public static string ProjectDirectory => Get("ProjectDirectory");

    /// <summary>The repository root.</summary>
    public static string RepositoryRoot => Path.GetFullPath(Path.Combine(ProjectDirectory, "..", ".."));

    /// <summary>The build configuration (Debug or Release).</summary>
    public static string Configuration => Get("Configuration");

    /// <summary>The SDK's trim and Native AOT analyzer (ILLink.RoslynAnalyzer.dll).</summary>
    public static string TrimAnalyzerPath => Get("TrimAnalyzer");

    /// <summary>System.Text.Json's source generator, which user <c>JsonSerializerContext</c> types need.</summary>
    public static string JsonGeneratorPath => Get("JsonGenerator");

    private static string Get(string key)
    {
        var value = typeof(BuildInfo).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .SingleOrDefault(a => a.Key == key)?.Value;
        return string.IsNullOrEmpty(value)
            ? throw new InvalidOperationException($"The test assembly has no '{key}' metadata; see the project file's EmbedAnalyzerPaths target.")
            : value;
    }
}
