using BenchmarkDotNet.Running;

// dotnet run -c Release --project benchmarks/Procrastinate.Benchmarks -- --filter '*'
BenchmarkSwitcher.FromAssembly(typeof(Procrastinate.Benchmarks.JobBenchmarks).Assembly).Run(args);
