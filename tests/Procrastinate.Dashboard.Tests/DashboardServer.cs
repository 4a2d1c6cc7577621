using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Procrastinate.Generated;
using Procrastinate.PostgreSql;

namespace Procrastinate.Dashboard.Tests;

/// <summary>A real Kestrel server on a free loopback port serving the dashboard over a PostgreSQL store.</summary>
public sealed class DashboardServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private DashboardServer(WebApplication app, ProcrastinateApp procrastinate, Uri root)
    {
        _app = app;
        App = procrastinate;
        Root = root;
    }

    public ProcrastinateApp App { get; }

    /// <summary>The dashboard's address, ending with a slash.</summary>
    public Uri Root { get; }

    /// <summary>Starts a server; <paramref name="remoteAddress"/> makes every request look as if it came from there.</summary>
    public static async Task<DashboardServer> StartAsync(
        PostgreSqlJobStore store,
        Action<ProcrastinateDashboardOptions>? configure = null,
        IPAddress? remoteAddress = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var procrastinate = new ProcrastinateApp(store, new ProcrastinateAppOptions { Tasks = new TaskRegistry(ProcrastinateDashboardTestsTasks.All) });
        if (remoteAddress is not null)
        {
            app.Use((context, next) =>
            {
                context.Connection.RemoteIpAddress = remoteAddress;
                return next(context);
            });
        }

        app.MapProcrastinateDashboard("/procrastinate", options =>
        {
            options.App = procrastinate;
            options.PollInterval = TimeSpan.FromSeconds(1);
            configure?.Invoke(options);
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new DashboardServer(app, procrastinate, new Uri(address.TrimEnd('/') + "/procrastinate/"));
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
