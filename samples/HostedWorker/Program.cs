using HostedWorker;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Procrastinate.Generated;
using Procrastinate.Hosting;

var builder = Host.CreateApplicationBuilder(args);

// region: add-procrastinate
builder.Services.AddProcrastinate(options =>
{
    options.ConnectionStringName = "Procrastinate"; // ConnectionStrings:Procrastinate
    options.AddTasks(HostedWorkerTasks.All);         // the registry the generator writes for this assembly
    // Runs continue the trace of their defer; needs the table of Schema.ApplyTraceContextTableAsync().
    options.StoreTraceContext = builder.Configuration.GetValue<bool>("Sample:StoreTraceContext");
});
builder.Services.AddProcrastinateWorker();
builder.Services.AddHealthChecks().AddProcrastinateHealthChecks();
// endregion

builder.Services.AddHostedService<SignupSimulator>();
if (builder.Configuration.GetValue<bool>("Sample:TraceToConsole"))
{
    builder.Services.AddHostedService<ConsoleTracing>();
}

using var host = builder.Build();
await host.RunAsync();
