using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Procrastinate.Dashboard.Internal;

namespace Procrastinate.Dashboard;

/// <summary>Maps the Procrastinate dashboard into an ASP.NET Core app.</summary>
public static class DashboardEndpointRouteBuilderExtensions
{
    /// <summary>
    /// Serves the dashboard (pages, JSON API under <c>api/</c>, live updates) at <paramref name="prefix"/>, over the
    /// app's store. By default only loopback requests are served; name an authorization policy to open it wider.
    /// </summary>
    /// <example>
    /// <code>
    /// app.MapProcrastinateDashboard("/procrastinate");
    /// app.MapProcrastinateDashboard("/procrastinate", options => options.AuthorizationPolicy = "admins");
    /// </code>
    /// </example>
    /// <param name="endpoints">The app's routes.</param>
    /// <param name="prefix">Where the dashboard lives, such as <c>/procrastinate</c>.</param>
    /// <param name="configure">Sets the options: read-only mode, authorization policy, the app shown.</param>
    /// <returns>The dashboard's route group, to add conventions to.</returns>
    /// <exception cref="ArgumentException"><paramref name="prefix"/> does not start with <c>/</c>.</exception>
    public static RouteGroupBuilder MapProcrastinateDashboard(
        this IEndpointRouteBuilder endpoints,
        string prefix = "/procrastinate",
        Action<ProcrastinateDashboardOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentNullException.ThrowIfNull(prefix);
        if (!prefix.StartsWith('/'))
        {
            throw new ArgumentException($"The dashboard's prefix must start with '/': '{prefix}'.", nameof(prefix));
        }

        var options = new ProcrastinateDashboardOptions();
        configure?.Invoke(options);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(options.PollInterval, TimeSpan.Zero, "options.PollInterval");
        var pathBase = prefix.TrimEnd('/');
        var dashboard = new DashboardContext(options, endpoints.ServiceProvider, pathBase);
        var group = endpoints.MapGroup(pathBase.Length == 0 ? "/" : pathBase);
        if (options.AuthorizationPolicy is { } policy)
        {
            group.RequireAuthorization(policy);
        }

        group.AddEndpointFilter(async (context, next) =>
            DashboardSecurity.CheckLoopback(context.HttpContext, dashboard) is { } refused ? refused : await next(context).ConfigureAwait(false));
        DashboardEndpoints.Map(group, dashboard);
        return group;
    }
}
