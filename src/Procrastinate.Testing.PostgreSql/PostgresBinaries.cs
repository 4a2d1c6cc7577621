using System.Diagnostics;

namespace Procrastinate.Testing.PostgreSql;

/// <summary>Finds the local PostgreSQL server binaries (<c>initdb</c>, <c>pg_ctl</c>, <c>postgres</c>).</summary>
public static class PostgresBinaries
{
    /// <summary>
    /// The folder holding <c>initdb</c> and <c>pg_ctl</c>: from <c>PATH</c>, then <c>pg_config --bindir</c>, then the
    /// newest <c>/usr/lib/postgresql/*/bin</c>. Returns <see langword="null"/> when none is found.
    /// </summary>
    public static string? FindBinDirectory()
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator))
        {
            if (dir.Length > 0 && HasServerBinaries(dir))
            {
                return dir;
            }
        }

        var fromPgConfig = RunPgConfig();
        if (fromPgConfig is not null && HasServerBinaries(fromPgConfig))
        {
            return fromPgConfig;
        }

        const string debianRoot = "/usr/lib/postgresql";
        if (Directory.Exists(debianRoot))
        {
            return Directory.GetDirectories(debianRoot)
                .Select(versionDir => (version: ParseVersion(Path.GetFileName(versionDir)), bin: Path.Combine(versionDir, "bin")))
                .Where(candidate => HasServerBinaries(candidate.bin))
                .OrderByDescending(candidate => candidate.version)
                .Select(candidate => candidate.bin)
                .FirstOrDefault();
        }

        return null;
    }

    private static bool HasServerBinaries(string dir) =>
        File.Exists(Path.Combine(dir, "initdb")) && File.Exists(Path.Combine(dir, "pg_ctl"));

    private static double ParseVersion(string name) =>
        double.TryParse(name, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var v) ? v : 0;

    private static string? RunPgConfig()
    {
        try
        {
            using var process = Process.Start(new ProcessStartInfo("pg_config", "--bindir")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            });
            if (process is null)
            {
                return null;
            }

            var output = process.StandardOutput.ReadToEnd().Trim();
            process.WaitForExit();
            return process.ExitCode == 0 && output.Length > 0 ? output : null;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null;
        }
    }
}
