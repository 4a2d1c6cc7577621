using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Procrastinate.Storage;

namespace Procrastinate.Dashboard.Internal;

/// <summary>The routes of one mapped dashboard: its pages, assets, JSON API and live stream.</summary>
internal static class DashboardEndpoints
{
    /// <summary>The client-side pages; each path serves the same page, whose script shows the right view.</summary>
    private static readonly string[] Pages = ["", "jobs", "queues", "locks", "workers", "periodic", "tasks"];

    public static void Map(RouteGroupBuilder group, DashboardContext dashboard)
    {
        foreach (var page in Pages)
        {
            group.MapGet("/" + page, (HttpContext http) => dashboard.Assets.ServePage(http, dashboard)).ExcludeFromDescription();
        }

        group.MapGet("/jobs/{id:long}", (HttpContext http) => dashboard.Assets.ServePage(http, dashboard)).ExcludeFromDescription();
        group.MapGet("/assets/{name}", (HttpContext http, string name) => dashboard.Assets.ServeAsset(http, name)).ExcludeFromDescription();

        var api = group.MapGroup("/api");
        api.MapGet("/config", () => Json.Ok(dashboard.Config(), DashboardJson.Default.ConfigModel));
        api.MapGet("/stats", (CancellationToken ct) => dashboard.Api.StatsAsync(ct));
        api.MapGet("/jobs", (HttpContext http, CancellationToken ct) => dashboard.Api.JobsAsync(http.Request.Query, ct));
        api.MapGet("/jobs/{id:long}", (long id, CancellationToken ct) => dashboard.Api.JobAsync(id, ct));
        api.MapGet("/jobs/{id:long}/events", (long id, CancellationToken ct) => dashboard.Api.EventsAsync(id, ct));
        api.MapGet("/queues", (CancellationToken ct) => dashboard.Api.CountsAsync(DashboardApi.CountsOf.Queues, ct));
        api.MapGet("/tasks/counts", (CancellationToken ct) => dashboard.Api.CountsAsync(DashboardApi.CountsOf.Tasks, ct));
        api.MapGet("/locks", (CancellationToken ct) => dashboard.Api.CountsAsync(DashboardApi.CountsOf.Locks, ct));
        api.MapGet("/workers", (CancellationToken ct) => dashboard.Api.WorkersAsync(ct));
        api.MapGet("/periodic", (CancellationToken ct) => dashboard.Api.PeriodicAsync(ct));
        api.MapGet("/tasks", () => dashboard.Api.Tasks());
        api.MapGet("/live", (HttpContext http) => dashboard.Live.StreamAsync(http));

        // State changes: POST only, each checked for read-only mode and cross-site request forgery.
        api.MapPost("/jobs/{id:long}/{action}", (HttpContext http, long id, string action, CancellationToken ct) =>
            dashboard.Api.ActOnJobAsync(http, id, action, ct));
        api.MapPost("/jobs/bulk/{action}", (HttpContext http, string action, CancellationToken ct) =>
            dashboard.Api.ActOnSelectionAsync(http, action, ct));
    }
}

/// <summary>JSON answers with the generated serializer.</summary>
internal static class Json
{
    public static IResult Ok<T>(T value, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type) =>
        TypedResults.Json(value, type);

    public static IResult Problem(int status, string message) =>
        TypedResults.Json(new ProblemModel(message), DashboardJson.Default.ProblemModel, statusCode: status);

    public static string Text(long value) => value.ToString(CultureInfo.InvariantCulture);
}
