using System.Diagnostics;
using System.Globalization;
using Npgsql;

namespace Procrastinate.Bench;

/// <summary>
/// CPU time spent during a run, per job: by this process (the client), and by the PostgreSQL backends serving the run's
/// database when the server runs on this host (read from /proc). Unlike throughput, these figures barely depend on
/// what else the machine is doing, so they compare runs taken at different loads.
/// </summary>
internal sealed class CpuProbe
{
    // Linux reports /proc/<pid>/stat times in clock ticks; USER_HZ is 100 on every mainstream kernel.
    private const double TicksPerSecond = 100;

    private readonly string _connectionString;
    private readonly TimeSpan _clientBefore;
    private readonly Dictionary<int, long> _serverBefore;

    private CpuProbe(string connectionString, TimeSpan clientBefore, Dictionary<int, long> serverBefore)
    {
        _connectionString = connectionString;
        _clientBefore = clientBefore;
        _serverBefore = serverBefore;
    }

    public static async Task<CpuProbe> StartAsync(string connectionString)
    {
        var server = await ServerTicksAsync(connectionString);
        return new CpuProbe(connectionString, Process.GetCurrentProcess().TotalProcessorTime, server);
    }

    /// <summary>
    /// <c>client_cpu_us_per_job</c> and, when the backends are readable, <c>server_cpu_us_per_job</c>, since the start.
    /// </summary>
    public async Task<IReadOnlyDictionary<string, double>> StopAsync(int jobs)
    {
        var client = Process.GetCurrentProcess().TotalProcessorTime - _clientBefore;
        var metrics = new Dictionary<string, double>(StringComparer.Ordinal)
        {
            ["client_cpu_us_per_job"] = client.TotalMicroseconds / jobs,
        };

        // Backends opened during the run count from zero: their start-up is part of the run.
        var after = await ServerTicksAsync(_connectionString);
        if (after.Count > 0)
        {
            var ticks = after.Sum(pair => pair.Value - _serverBefore.GetValueOrDefault(pair.Key));
            metrics["server_cpu_us_per_job"] = ticks / TicksPerSecond * 1e6 / jobs;
        }

        return metrics;
    }

    /// <summary>CPU ticks of every backend connected to the database, or none when /proc does not show them.</summary>
    private static async Task<Dictionary<int, long>> ServerTicksAsync(string connectionString)
    {
        var ticks = new Dictionary<int, long>();
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()", connection);
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            var pid = reader.GetInt32(0);
            if (ReadTicks(pid) is { } value)
            {
                ticks[pid] = value;
            }
        }

        return ticks;
    }

    private static long? ReadTicks(int pid)
    {
        try
        {
            // Fields after the parenthesised command name: state is field 3, utime 14 and stime 15.
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }
}
