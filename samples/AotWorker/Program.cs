using AotWorker;
using Procrastinate.Cli;
using Procrastinate.Generated;

// The whole program: the binary is the worker and the admin tool.
return await ProcrastinateCli.RunAsync(args, cli =>
{
    cli.ProgramName = "aot-worker";
    cli.AddTasks(AotWorkerTasks.All);
});
