using System.Reflection;
using Microsoft.Extensions.DependencyInjection;

namespace Procrastinate.Dashboard.Internal;

/// <summary>One mapped dashboard: its options, the app it shows (resolved on first use), and its parts.</summary>
internal sealed class DashboardContext
{
    private readonly IServiceProvider _services;
    private ProcrastinateApp? _app;

    public DashboardContext(ProcrastinateDashboardOptions options, IServiceProvider services, string pathBase)
    {
        Options = options;
        _services = services;
        PathBase = pathBase;
        Assets = new DashboardAssets();
        Api = new DashboardApi(this);
        Live = new LiveFeed(this);
    }

    public ProcrastinateDashboardOptions Options { get; }

    /// <summary>The route prefix the dashboard is mapped on, without a trailing slash.</summary>
    public string PathBase { get; }

    public DashboardAssets Assets { get; }

    public DashboardApi Api { get; }

    public LiveFeed Live { get; }

    public IServiceProvider Services => _services;

    /// <summary>The app shown: the option, else the registered one, else <see cref="ProcrastinateApp.Default"/>.</summary>
    /// <exception cref="InvalidOperationException">No app is configured anywhere.</exception>
    public ProcrastinateApp App => _app ??= Options.App
        ?? _services.GetService<ProcrastinateApp>()
        ?? (ProcrastinateApp.HasDefault
            ? ProcrastinateApp.Default
            : throw new InvalidOperationException(
                "The Procrastinate dashboard has no app: register one with services.AddProcrastinate(...), set "
                + "ProcrastinateDashboardOptions.App, or set ProcrastinateApp.Default."));

    public ConfigModel Config() => new(Options.ReadOnly, Options.PollInterval.TotalSeconds, Options.PageSize, Version);

    private static string Version { get; } =
        typeof(DashboardContext).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0]
        ?? "unknown";
}
