using Procrastinate;
using Procrastinate.Bench;

BenchOptions options;
try
{
    options = BenchOptions.Parse(args);
}
catch (ArgumentException e)
{
    Console.Error.WriteLine(e.Message);
    return 2;
}

if (options.Help)
{
    Console.WriteLine(BenchOptions.Usage);
    return 0;
}

var startedAt = DateTimeOffset.UtcNow;
var output = options.Output ?? Path.Combine(FindRepositoryRoot(), "benchmarks", "results", options.Quick ? "quick.json" : "latest.json");
Console.WriteLine($"Starting {(options.Dsn is null ? "a throwaway PostgreSQL cluster (default durability)" : "on the given DSN")}; load average {Machine.LoadAverage()}");
await using var server = await BenchServer.StartAsync(options.Dsn);
var machine = await Machine.DescribeAsync(server.ConnectionString, server.IsThrowaway);
var results = new List<WorkloadResult>();
var failed = false;
var selected = Workloads.Create(options).Where(w => options.Workloads.Contains(w.Id)).ToList();

// A ceiling selected with its workload runs right after each of the workload's runs, so that both meet the same load.
var ceilings = selected.Where(w => w.CeilingOf is not null && selected.Any(o => o.Id == w.CeilingOf)).ToDictionary(w => w.CeilingOf!);
var state = selected.ToDictionary(w => w.Id, _ => (Runs: new List<RunResult>(), Skipped: (string?)null));
foreach (var workload in selected.Where(w => !ceilings.ContainsValue(w)))
{
    var paired = ceilings.GetValueOrDefault(workload.Id);
    for (var run = 1; run <= options.Runs; run++)
    {
        Workload[] order = paired is null ? [workload] : [workload, paired];
        foreach (var current in order)
        {
            if (state[current.Id].Skipped is null)
            {
                await RunOnceAsync(current, run);
            }
        }
    }
}

foreach (var workload in selected)
{
    results.Add(new WorkloadResult(workload, state[workload.Id].Runs, state[workload.Id].Skipped));
}

Console.WriteLine();
Console.WriteLine(Report.Table(machine, results, options));
await Report.WriteJsonAsync(output, machine, results, options, startedAt);
Console.WriteLine($"Written to {output}");
return failed ? 1 : 0;

async Task RunOnceAsync(Workload workload, int run)
{
    var (runs, _) = state[workload.Id];
    Console.Write($"{workload.Id} run {run}/{options.Runs}: {workload.Title} ... ");
    try
    {
        var result = await workload.RunAsync(server);
        runs.Add(result);
        Console.WriteLine(string.Join(", ", result.Metrics.Select(m => $"{m.Key} {m.Value:0.###}")) + $" (load {result.LoadAverage})");
    }
    catch (SkipException e)
    {
        state[workload.Id] = (runs, e.Message);
        Console.WriteLine("skipped: " + e.Message);
    }
    catch (Exception e) when (e is InvalidOperationException or Npgsql.NpgsqlException or ProcrastinateException)
    {
        Console.WriteLine("FAILED");
        Console.Error.WriteLine(e);
        failed = true;
        runs.Clear();
        state[workload.Id] = (runs, "failed: " + e.Message);
    }
}

static string FindRepositoryRoot()
{
    for (var directory = new DirectoryInfo(Directory.GetCurrentDirectory()); directory is not null; directory = directory.Parent)
    {
        if (File.Exists(Path.Combine(directory.FullName, "Procrastinate.sln")))
        {
            return directory.FullName;
        }
    }

    return Directory.GetCurrentDirectory();
}
