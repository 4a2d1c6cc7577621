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

    /// <summary>
    /// The CPU time of the server's backends that ended since <paramref name="before"/> (from
    /// <see cref="EndedBackendTicksAsync"/>), per job: the postmaster's children's times, which grow when it reaps a
    /// backend. Measures a pgbench run's backend, which starts and ends within the run; any other backend that ended
    /// meanwhile (an autovacuum worker) counts too. <see langword="null"/> when /proc does not show the postmaster.
    /// </summary>
    public static async Task<double?> EndedBackendsCpuPerJobAsync(string connectionString, long? before, int jobs)
    {
        var after = await EndedBackendTicksAsync(connectionString);
        return before is null || after is null ? null : (after - before) / TicksPerSecond * 1e6 / jobs;
    }

    /// <summary>The CPU ticks of the postmaster's ended children (cutime + cstime), through this connection's backend.</summary>
    public static async Task<long?> EndedBackendTicksAsync(string connectionString)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT pg_backend_pid()", connection);
        var backend = (int)(await command.ExecuteScalarAsync())!;
        if (ReadFields(backend) is not { } fields)
        {
            return null;
        }

        // Field 4 is the parent (the postmaster); its fields 16 and 17 are its reaped children's user and system times.
        var postmaster = int.Parse(fields[1], CultureInfo.InvariantCulture);
        return ReadFields(postmaster) is { } parent
            ? long.Parse(parent[13], CultureInfo.InvariantCulture) + long.Parse(parent[14], CultureInfo.InvariantCulture)
            : null;
    }

    private static long? ReadTicks(int pid) =>
        ReadFields(pid) is { } fields
            ? long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)
            : null;

    /// <summary>The fields of /proc/PID/stat after the parenthesised command name (index 0 is field 3, the state).</summary>
    private static string[]? ReadFields(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
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
