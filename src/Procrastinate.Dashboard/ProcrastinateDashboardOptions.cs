namespace Procrastinate.Dashboard;

/// <summary>How <see cref="DashboardEndpointRouteBuilderExtensions.MapProcrastinateDashboard"/> serves the dashboard.</summary>
public sealed class ProcrastinateDashboardOptions
{
    /// <summary>
    /// The app whose store and tasks the dashboard shows. When unset: the <see cref="ProcrastinateApp"/> registered in
    /// the services (<c>services.AddProcrastinate(...)</c>), else <see cref="ProcrastinateApp.Default"/>.
    /// </summary>
    public ProcrastinateApp? App { get; set; }

    /// <summary>Shows the queue without the actions (retry, cancel, abort, delete); their requests are refused.</summary>
    public bool ReadOnly { get; set; }

    /// <summary>
    /// The ASP.NET Core authorization policy every dashboard request must satisfy. When unset (the default), only
    /// requests from a loopback address are served and every other one is refused with 403.
    /// </summary>
    public string? AuthorizationPolicy { get; set; }

    /// <summary>
    /// How often an open page refreshes when the store sends no notification (jobs ending send none). Default: 3 s.
    /// </summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>A worker whose last heartbeat is older than this is shown as not alive. Default: 30 s.</summary>
    public TimeSpan WorkerAliveTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Jobs per page of the jobs list (1 to 500). Default: 50.</summary>
    public int PageSize { get; set; } = 50;
}
