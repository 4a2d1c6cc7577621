using System.Globalization;

namespace Procrastinate.Bench;

/// <summary>The command line: <c>[--dsn DSN] [--workloads W1,W3] [--quick] [--runs N] [--output PATH]</c>.</summary>
internal sealed record BenchOptions
{
    public const string DsnVariable = "PROCRASTINATE_BENCH_DSN";

    public static readonly string[] AllWorkloads = ["W1", "W2", "W3", "W4", "W5", "W5i", "W5q", "W5a", "W3x1M", "W3x10M", "W6", "D1", "W7", "C1", "C2", "C3", "C3s", "F1"];

    /// <summary>An existing server to use instead of a throwaway cluster.</summary>
    public string? Dsn { get; init; }

    public IReadOnlyList<string> Workloads { get; init; } = ["W1", "W2", "W3", "W4", "W5", "W5i", "W5q", "W5a", "W3x1M", "W3x10M", "W6", "D1", "C1", "C2", "C3"];

    /// <summary>Ten times smaller workloads, for smoke runs.</summary>
    public bool Quick { get; init; }

    public int Runs { get; init; } = 3;

    public string? Output { get; init; }

    /// <summary>A published Native AOT worker to measure as W7 (see samples/AotWorker).</summary>
    public string? AotWorker { get; init; }

    /// <summary>Publish samples/AotWorker for W7 when no <see cref="AotWorker"/> is given.</summary>
    public bool PublishAotWorker { get; init; }

    public bool Help { get; init; }

    /// <summary>The pgbench binary for the ceilings C1 to C3 (default: next to the server binaries, or on PATH).</summary>
    public string? Pgbench { get; init; }

    /// <summary>Scales a job count down for <see cref="Quick"/> runs.</summary>
    public int Scale(int count) => Quick ? Math.Max(1, count / 10) : count;

    public const string Usage = """
        Procrastinate benchmark harness (issue 10): workloads against a real PostgreSQL, through the public API.

        Usage: dotnet run -c Release --project benchmarks/Procrastinate.Bench -- [options]

          --dsn DSN          Use this server (an Npgsql connection string with rights to create databases)
                             instead of a throwaway cluster with default durability; also PROCRASTINATE_BENCH_DSN.
          --workloads LIST   Comma-separated subset of W1..W7, W5i, W5q, W5a, W3x1M, W3x10M, D1, C1..C3 and the
                             diagnostics C3s and F1 (default all but W7, which joins with --aot-worker or
                             --publish-aot-worker, and the diagnostics).
          --quick            Scale job counts down ten times, for a smoke run.
          --runs N           Runs per workload (default 3); each run gets a fresh database.
          --output PATH      Where the JSON goes (default benchmarks/results/latest.json, or
                             benchmarks/results/quick.json with --quick).
          --aot-worker PATH  The published Native AOT worker for W7 (samples/AotWorker, see docs/native-aot.md).
          --publish-aot-worker  Publish samples/AotWorker (Native AOT) for W7 first, when --aot-worker is not given.
          --pgbench PATH     The pgbench that measures the ceilings C1, C2, C3 (the database side of W1, W2, W3
                             with no client work; default: next to the PostgreSQL binaries, or on PATH). A ceiling
                             selected with its workload runs right after each of the workload's runs, and the
                             table reports the workload as a share of it.
          --help             This text.
        """;

    /// <exception cref="ArgumentException">An unknown option or a bad value.</exception>
    public static BenchOptions Parse(IReadOnlyList<string> args)
    {
        var options = new BenchOptions { Dsn = NullIfEmpty(Environment.GetEnvironmentVariable(DsnVariable)) };
        for (var i = 0; i < args.Count; i++)
        {
            string Value() => i + 1 < args.Count ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.");
            options = args[i] switch
            {
                "--dsn" => options with { Dsn = Value() },
                "--workloads" => options with { Workloads = ParseWorkloads(Value()) },
                "--quick" => options with { Quick = true },
                "--runs" => options with { Runs = ParseRuns(Value()) },
                "--output" => options with { Output = Value() },
                "--aot-worker" => options with { AotWorker = Value() },
                "--publish-aot-worker" => options with { PublishAotWorker = true },
                "--pgbench" => options with { Pgbench = Value() },
                "--help" or "-h" => options with { Help = true },
                var other => throw new ArgumentException($"Unknown option '{other}'. Try --help."),
            };
        }

        // W7 runs by default once it has a binary to measure.
        if (!args.Contains("--workloads") && (options.AotWorker is not null || options.PublishAotWorker))
        {
            options = options with { Workloads = AllWorkloads };
        }

        return options;
    }

    private static List<string> ParseWorkloads(string value)
    {
        var workloads = value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(w => AllWorkloads.FirstOrDefault(id => id.Equals(w, StringComparison.OrdinalIgnoreCase)) ?? w)
            .Distinct()
            .ToList();
        var unknown = workloads.Except(AllWorkloads).ToList();
        if (workloads.Count == 0 || unknown.Count > 0)
        {
            throw new ArgumentException(
                $"Unknown workload(s) '{string.Join(", ", unknown)}'; choose among {string.Join(", ", AllWorkloads)}.");
        }

        return workloads;
    }

    private static int ParseRuns(string value) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var runs) && runs >= 1
            ? runs
            : throw new ArgumentException($"--runs takes a positive integer, not '{value}'.");

    private static string? NullIfEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;
}
