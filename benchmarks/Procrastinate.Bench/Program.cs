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
foreach (var workload in Workloads.Create(options).Where(w => options.Workloads.Contains(w.Id)))
{
    var runs = new List<RunResult>();
    string? skipped = null;
    for (var run = 1; run <= options.Runs && skipped is null; run++)
    {
        Console.Write($"{workload.Id} run {run}/{options.Runs}: {workload.Title} ... ");
        try
        {
            var result = await workload.RunAsync(server);
            runs.Add(result);
            Console.WriteLine(string.Join(", ", result.Metrics.Select(m => $"{m.Key} {m.Value:0.###}")) + $" (load {result.LoadAverage})");
        }
        catch (SkipException e)
        {
            skipped = e.Message;
            Console.WriteLine("skipped: " + e.Message);
        }
        catch (Exception e) when (e is InvalidOperationException or Npgsql.NpgsqlException or ProcrastinateException)
        {
            Console.WriteLine("FAILED");
            Console.Error.WriteLine(e);
            failed = true;
            skipped = "failed: " + e.Message;
            runs.Clear();
        }
    }

    results.Add(new WorkloadResult(workload, runs, skipped));
}

Console.WriteLine();
Console.WriteLine(Report.Table(machine, results, options));
await Report.WriteJsonAsync(output, machine, results, options, startedAt);
Console.WriteLine($"Written to {output}");
return failed ? 1 : 0;

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
