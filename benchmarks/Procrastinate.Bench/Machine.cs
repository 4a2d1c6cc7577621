using System.Globalization;
using System.Runtime.InteropServices;
using Npgsql;

namespace Procrastinate.Bench;

/// <summary>What the figures were measured on.</summary>
internal sealed record Machine(
    int Cores,
    string Cpu,
    string Os,
    string Runtime,
    string PostgresVersion,
    IReadOnlyDictionary<string, string> PostgresSettings,
    bool ThrowawayServer)
{
    private static readonly string[] SettingNames =
    [
        "fsync", "synchronous_commit", "full_page_writes", "wal_sync_method", "commit_delay", "wal_level",
        "shared_buffers", "work_mem", "max_connections", "jit",
    ];

    public static async Task<Machine> DescribeAsync(string connectionString, bool throwaway)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        var settings = new SortedDictionary<string, string>(StringComparer.Ordinal);
        await using (var command = new NpgsqlCommand("SELECT name, setting || coalesce(unit, '') FROM pg_settings WHERE name = ANY ($1)", connection))
        {
            command.Parameters.Add(new NpgsqlParameter { Value = SettingNames });
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                settings[reader.GetString(0)] = reader.GetString(1);
            }
        }

        string version;
        await using (var command = new NpgsqlCommand("SHOW server_version", connection))
        {
            version = (string)(await command.ExecuteScalarAsync())!;
        }

        return new Machine(
            Environment.ProcessorCount,
            ReadCpuModel(),
            RuntimeInformation.OSDescription,
            $"{RuntimeInformation.FrameworkDescription} (thread-pool spin limit {SpinLimit()})",
            version,
            settings,
            throwaway);
    }

    /// <summary>System.Threading.ThreadPool.UnfairSemaphoreSpinLimit as this process runs with it (70 when unset).</summary>
    private static string SpinLimit() =>
        Environment.GetEnvironmentVariable("DOTNET_ThreadPool_UnfairSemaphoreSpinLimit")
        ?? AppContext.GetData("System.Threading.ThreadPool.UnfairSemaphoreSpinLimit")?.ToString()
        ?? "70 (default)";

    /// <summary>The 1, 5 and 15 minute load averages, or "n/a" off Linux.</summary>
    public static string LoadAverage()
    {
        try
        {
            var fields = File.ReadAllText("/proc/loadavg").Split(' ');
            return string.Join(' ', fields.Take(3));
        }
        catch (IOException)
        {
            return "n/a";
        }
        catch (UnauthorizedAccessException)
        {
            return "n/a";
        }
    }

    /// <summary>The one-minute load average, for comparisons.</summary>
    public static double LoadAverage1() =>
        double.TryParse(LoadAverage().Split(' ')[0], NumberStyles.Float, CultureInfo.InvariantCulture, out var value) ? value : double.NaN;

    private static string ReadCpuModel()
    {
        try
        {
            var line = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal));
            return line is null ? RuntimeInformation.ProcessArchitecture.ToString() : line[(line.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim();
        }
        catch (IOException)
        {
            return RuntimeInformation.ProcessArchitecture.ToString();
        }
    }
}
