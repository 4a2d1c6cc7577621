using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Procrastinate.Bench;

/// <summary>Median and range of one metric over the runs.</summary>
internal sealed record Summary(double Median, double Min, double Max)
{
    public static Summary Of(IEnumerable<double> values)
    {
        var sorted = values.Order().ToList();
        var middle = sorted.Count / 2;
        var median = sorted.Count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
        return new Summary(median, sorted[0], sorted[^1]);
    }
}

/// <summary>A workload's runs, or why it did not run.</summary>
internal sealed record WorkloadResult(Workload Workload, IReadOnlyList<RunResult> Runs, string? Skipped)
{
    public IReadOnlyDictionary<string, Summary> Summaries { get; } = Runs.Count == 0
        ? new Dictionary<string, Summary>()
        : Runs[0].Metrics.Keys.Select(k => KeyValuePair.Create(k, Summary.Of(Runs.Select(r => r.Metrics[k])))).ToDictionary(StringComparer.Ordinal);
}

/// <summary>Prints the table and writes the JSON.</summary>
internal static class Report
{
    public static string Table(Machine machine, IReadOnlyList<WorkloadResult> results, BenchOptions options)
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"Machine: {machine.Cores} cores, {machine.Cpu}; {machine.Os}; {machine.Runtime}");
        var settings = string.Join(", ", machine.PostgresSettings.Select(p => $"{p.Key}={p.Value}"));
        text.AppendLine(CultureInfo.InvariantCulture,
            $"PostgreSQL {machine.PostgresVersion} ({(machine.ThrowawayServer ? "throwaway local cluster" : "given DSN")}): {settings}");
        text.AppendLine(CultureInfo.InvariantCulture, $"{options.Runs} run(s) per workload{(options.Quick ? ", --quick (job counts / 10)" : "")}; median (min–max).");
        text.AppendLine();
        text.AppendLine("| workload | what | result | target | load avg (1/5/15 min) at each run |");
        text.AppendLine("|---|---|---|---|---|");
        var w3 = results.FirstOrDefault(r => r.Workload.Id == "W3" && r.Runs.Count > 0);
        foreach (var result in results)
        {
            var workload = result.Workload;
            string figure;
            if (result.Skipped is not null)
            {
                figure = "skipped: " + result.Skipped;
            }
            else
            {
                figure = string.Join("; ", result.Summaries
                    .Where(s => s.Key != "seconds")
                    .Select(s => $"{Label(s.Key)} {Format(s.Value.Median)} ({Format(s.Value.Min)}–{Format(s.Value.Max)})"));
                if (workload.Id is "W5" or "W5i" or "W5q" or "W5a" or "W6" or "W3x1M" or "W3x10M" && w3 is not null)
                {
                    var ratio = result.Summaries["jobs_per_s"].Median / w3.Summaries["jobs_per_s"].Median;
                    figure += $"; {ratio * 100:F0} % of W3";
                    if (result.Summaries.TryGetValue("server_cpu_us_per_job", out var cpu) && w3.Summaries.TryGetValue("server_cpu_us_per_job", out var w3Cpu))
                    {
                        figure += $"; server CPU per job {cpu.Median / w3Cpu.Median:F2} × W3's";
                    }
                }
            }

            if (CeilingShare(result, results) is { } share)
            {
                figure += $"; **{share.Percent:F0} % of its ceiling {share.Ceiling}**";
                if (share.WorkingPercent is { } working)
                {
                    figure += $"; working rate {working:F0} % of {share.Ceiling}";
                }
            }

            var loads = string.Join(" · ", result.Runs.Select(r => r.LoadAverage));
            text.AppendLine(CultureInfo.InvariantCulture, $"| {workload.Id} | {workload.Title} | {figure} | {workload.Target} | {loads} |");
        }

        return text.ToString();
    }

    /// <summary>
    /// A workload's median jobs/s as a share of its ceiling's (C1 to C3), both measured in this invocation; for a worker
    /// workload, also its median working rate (start and unregistering left out, as the ceiling leaves them out).
    /// </summary>
    private static (string Ceiling, double Percent, double? WorkingPercent)? CeilingShare(WorkloadResult result, IReadOnlyList<WorkloadResult> results)
    {
        var ceiling = results.FirstOrDefault(r => r.Workload.CeilingOf == result.Workload.Id && r.Runs.Count > 0);
        if (ceiling is null || result.Runs.Count == 0)
        {
            return null;
        }

        var ceilingRate = ceiling.Summaries["jobs_per_s"].Median;
        double? working = result.Summaries.TryGetValue("working_jobs_per_s", out var rate) ? 100 * rate.Median / ceilingRate : null;
        return (ceiling.Workload.Id, 100 * result.Summaries["jobs_per_s"].Median / ceilingRate, working);
    }

    public static async Task WriteJsonAsync(string path, Machine machine, IReadOnlyList<WorkloadResult> results, BenchOptions options, DateTimeOffset startedAt)
    {
        var json = new JsonObject
        {
            ["started_at"] = startedAt.ToString("O", CultureInfo.InvariantCulture),
            ["runs_per_workload"] = options.Runs,
            ["quick"] = options.Quick,
            ["machine"] = new JsonObject
            {
                ["cores"] = machine.Cores,
                ["cpu"] = machine.Cpu,
                ["os"] = machine.Os,
                ["runtime"] = machine.Runtime,
                ["load_average_at_end"] = Machine.LoadAverage(),
            },
            ["postgresql"] = new JsonObject
            {
                ["version"] = machine.PostgresVersion,
                ["server"] = machine.ThrowawayServer ? "throwaway local cluster" : "given DSN",
                ["settings"] = new JsonObject(machine.PostgresSettings.Select(p => KeyValuePair.Create(p.Key, (JsonNode?)p.Value))),
            },
            ["workloads"] = new JsonArray([.. results.Select(r => ToJson(r, results))]),
        };
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        await File.WriteAllTextAsync(path, json.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + Environment.NewLine);
    }

    private static JsonObject ToJson(WorkloadResult result, IReadOnlyList<WorkloadResult> results)
    {
        var node = new JsonObject
        {
            ["id"] = result.Workload.Id,
            ["title"] = result.Workload.Title,
            ["target"] = result.Workload.Target,
        };
        if (result.Skipped is not null)
        {
            node["skipped"] = result.Skipped;
            return node;
        }

        node["summary"] = new JsonObject(result.Summaries.Select(s => KeyValuePair.Create(s.Key, (JsonNode?)new JsonObject
        {
            ["median"] = Math.Round(s.Value.Median, 3),
            ["min"] = Math.Round(s.Value.Min, 3),
            ["max"] = Math.Round(s.Value.Max, 3),
        })));
        if (CeilingShare(result, results) is { } share)
        {
            node["ceiling"] = share.Ceiling;
            node["percent_of_ceiling"] = Math.Round(share.Percent, 1);
            if (share.WorkingPercent is { } working)
            {
                node["working_percent_of_ceiling"] = Math.Round(working, 1);
            }
        }

        node["runs"] = new JsonArray([.. result.Runs.Select(r => (JsonNode)new JsonObject
        {
            ["metrics"] = new JsonObject(r.Metrics.Select(m => KeyValuePair.Create(m.Key, (JsonNode?)Math.Round(m.Value, 3)))),
            ["load_average"] = r.LoadAverage,
            ["remarks"] = new JsonArray([.. r.Remarks.Select(x => (JsonNode)x)]),
        })]);
        return node;
    }

    private static string Label(string metric) => metric switch
    {
        "jobs_per_s" => "jobs/s",
        "working_jobs_per_s" => "working jobs/s",
        "client_cpu_us_per_job" => "client CPU µs/job",
        "server_cpu_us_per_job" => "server CPU µs/job",
        _ when metric.EndsWith("_mb", StringComparison.Ordinal) => metric[..^3] + " MB",
        _ => metric.Replace("_ms", "", StringComparison.Ordinal) + " ms",
    };

    private static string Format(double value) =>
        value >= 100 ? value.ToString("N0", CultureInfo.InvariantCulture) : value.ToString("0.00", CultureInfo.InvariantCulture);
}
