using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace Procrastinate.Dashboard.Internal;

/// <summary>The page, its script and its style sheet, embedded in this assembly (nothing from a CDN: works offline).</summary>
internal sealed class DashboardAssets
{
    private const string Prefix = "Procrastinate.Dashboard.Assets.";

    private readonly ConcurrentDictionary<string, (byte[] Content, string ETag)?> _assets = new(StringComparer.Ordinal);
    private readonly Lazy<string> _page = new(() => Encoding.UTF8.GetString(Read("index.html")!));

    /// <summary>Serves the page with the path base and this browser's anti-forgery token written in.</summary>
    public IResult ServePage(HttpContext http, DashboardContext dashboard)
    {
        var token = DashboardSecurity.IssueToken(http, dashboard);
        var html = _page.Value
            .Replace("{{base}}", WebUtility.HtmlEncode(http.Request.PathBase + dashboard.PathBase + "/"), StringComparison.Ordinal)
            .Replace("{{csrf}}", WebUtility.HtmlEncode(token), StringComparison.Ordinal)
            .Replace("{{readonly}}", dashboard.Options.ReadOnly ? "true" : "false", StringComparison.Ordinal);
        http.Response.Headers.CacheControl = "no-store";
        DashboardSecurity.AddPageHeaders(http);
        return TypedResults.Text(html, "text/html; charset=utf-8");
    }

    public IResult ServeAsset(HttpContext http, string name)
    {
        var asset = _assets.GetOrAdd(name, static n => Read(n) is { } content
            ? (content, "\"" + Convert.ToHexString(SHA256.HashData(content).AsSpan(0, 8)) + "\"")
            : null);
        if (asset is not { } found || name == "index.html")
        {
            return TypedResults.NotFound();
        }

        http.Response.Headers.ETag = found.ETag;
        http.Response.Headers.CacheControl = "no-cache";
        if (http.Request.Headers.IfNoneMatch == found.ETag)
        {
            return TypedResults.StatusCode(StatusCodes.Status304NotModified);
        }

        var type = Path.GetExtension(name) switch
        {
            ".js" => "text/javascript; charset=utf-8",
            ".css" => "text/css; charset=utf-8",
            ".svg" => "image/svg+xml",
            _ => "application/octet-stream",
        };
        return TypedResults.Bytes(found.Content, type);
    }

    private static byte[]? Read(string name)
    {
        using var stream = typeof(DashboardAssets).Assembly.GetManifestResourceStream(Prefix + name);
        if (stream is null)
        {
            return null;
        }

        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}
