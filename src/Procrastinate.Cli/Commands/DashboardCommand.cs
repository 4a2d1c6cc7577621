using System.CommandLine;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Procrastinate.Cli.Internal;
using Procrastinate.Dashboard;

namespace Procrastinate.Cli.Commands;

/// <summary><c>dashboard --urls URL [--read-only]</c>: serves the web dashboard over this binary's store and tasks.</summary>
internal sealed class DashboardCommand
{
    private readonly Option<string> _urls = new("--urls")
    {
        Description = "Where to listen, such as http://127.0.0.1:8080 (several separated by ';')",
        DefaultValueFactory = _ => "http://127.0.0.1:8080",
    };

    private readonly Option<bool> _readOnly = new("--read-only") { Description = "Show the queue without the retry, cancel, abort and delete actions" };

    public Command Build(Func<Func<CliContext, CancellationToken, Task<int>>, Func<ParseResult, CancellationToken, Task<int>>> wrap)
    {
        var command = new Command(
            "dashboard",
            "Serve the web dashboard (loopback requests only) until interrupted")
        { _urls, _readOnly };
        command.SetAction(wrap(RunAsync));
        return command;
    }

    private async Task<int> RunAsync(CliContext context, CancellationToken cancellationToken)
    {
        await context.RequireSchemaAsync(cancellationToken).ConfigureAwait(false);
        var urls = context.ParseResult.GetValue(_urls)!;
        var readOnly = context.ParseResult.GetValue(_readOnly);
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
        builder.WebHost.UseUrls(urls);
        builder.Logging.ClearProviders();
        builder.Logging.AddProvider(new ForwardingLoggerProvider(context.LoggerFactory));
        // The web host logs every request, and its start, at information level: shown from -v on, so that a page
        // polling every few seconds does not flood the default output (the line below says where it listens).
        var verbose = context.LoggerFactory.CreateLogger("Procrastinate.Dashboard").IsEnabled(LogLevel.Debug);
        builder.Logging.AddFilter("Microsoft", level => verbose || level >= LogLevel.Warning);
        var app = builder.Build();
        await using (app.ConfigureAwait(false))
        {
            var procrastinate = context.App;
            app.MapProcrastinateDashboard("/", options =>
            {
                options.App = procrastinate;
                options.ReadOnly = readOnly;
            });
            try
            {
                await app.StartAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (IOException e)
            {
                throw new CliException($"The dashboard cannot listen on {urls}: {e.Message}", innerException: e);
            }

            var addresses = string.Join(", ", app.Urls);
            context.Out.WriteLine($"Dashboard on {addresses}{(readOnly ? " (read-only)" : string.Empty)}, over {context.Describe()}; Ctrl+C stops it.");
            await context.Out.FlushAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                await app.WaitForShutdownAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
            }

            await app.StopAsync(CancellationToken.None).ConfigureAwait(false);
        }

        return CliExitCodes.Success;
    }

    /// <summary>Sends the web host's logs to the command line's logger (stderr, at the -v level).</summary>
    private sealed class ForwardingLoggerProvider(ILoggerFactory factory) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => factory.CreateLogger(categoryName);

        public void Dispose()
        {
        }
    }
}
