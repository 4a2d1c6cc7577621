using Procrastinate.Cli;
using Procrastinate.Generated;

// The worker binary. Run `MyWorker --help`; with PROCRASTINATE_DSN (or --dsn) set:
//   MyWorker schema --apply                       creates Procrastinate's tables
//   MyWorker defer greet '{"name": "Ada"}'        defers a job
//   MyWorker worker --concurrency 4               runs jobs until SIGINT/SIGTERM
return await ProcrastinateCli.RunAsync(args, cli => cli.AddTasks(MyWorkerTasks.All));
