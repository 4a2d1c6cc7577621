using InstallCheck;
using Procrastinate;
using Procrastinate.Generated;
using Procrastinate.PostgreSql;
using Procrastinate.Testing.PostgreSql;

// A newcomer's app built from the packages alone: one job deferred and run against a throwaway PostgreSQL (or the
// server of PROCRASTINATE_TEST_DSN), as the README's quick start shows.
var dsn = Environment.GetEnvironmentVariable(PostgresServer.TestDsnVariable);
await using var server = string.IsNullOrWhiteSpace(dsn) ? await PostgresServer.StartAsync() : PostgresServer.Connect(dsn);
await using var store = new PostgreSqlJobStore(await server.CreateDatabaseAsync());
await store.ApplySchemaAsync();

ProcrastinateApp.Default = new ProcrastinateApp(store, new ProcrastinateAppOptions { Tasks = new TaskRegistry(InstallCheckTasks.All) });
var id = await Greet.DeferAsync("newcomer");
await ProcrastinateApp.Default.RunWorkerAsync(new WorkerOptions { Concurrency = 2, Wait = false });

var status = await store.GetJobStatusAsync(id);
Console.WriteLine($"install check: job {id} {status}, {Greetings.Greeted}");
return status == JobStatus.Succeeded && Greetings.Greeted == "Hello, newcomer" ? 0 : 1;
