using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace Procrastinate.Dashboard.Internal;

/// <summary>
/// Who may use the dashboard (loopback only unless a policy is named) and the protection of its POSTs against
/// cross-site request forgery: a random token in an HttpOnly, SameSite=Strict cookie that the page must echo in a
/// header (a cross-site page can neither read the token nor set the header without a CORS preflight), and the
/// browser's <c>Sec-Fetch-Site</c> and <c>Origin</c> headers, when sent, must say same origin.
/// </summary>
internal static class DashboardSecurity
{
    public const string CookieName = "procrastinate_dashboard_csrf";
    public const string HeaderName = "X-Procrastinate-Csrf";

    /// <summary>Refuses a request from another machine when no authorization policy is named.</summary>
    public static IResult? CheckLoopback(HttpContext http, DashboardContext dashboard)
    {
        if (dashboard.Options.AuthorizationPolicy is not null)
        {
            return null;
        }

        var remote = http.Connection.RemoteIpAddress;
        if (remote is not null && IPAddress.IsLoopback(remote.IsIPv4MappedToIPv6 ? remote.MapToIPv4() : remote))
        {
            return null;
        }

        return Json.Problem(
            StatusCodes.Status403Forbidden,
            "The Procrastinate dashboard answers only requests from this machine (loopback) unless an authorization "
            + "policy is named (ProcrastinateDashboardOptions.AuthorizationPolicy).");
    }

    /// <summary>Checks a state-changing request: not read-only, anti-forgery token and same origin.</summary>
    public static IResult? CheckStateChange(HttpContext http, DashboardContext dashboard)
    {
        if (dashboard.Options.ReadOnly)
        {
            return Json.Problem(StatusCodes.Status403Forbidden, "The dashboard is read-only: actions are disabled.");
        }

        var headers = http.Request.Headers;
        if (headers["Sec-Fetch-Site"] is { Count: > 0 } site && site.ToString() is not ("same-origin" or "none"))
        {
            return Forged("the request comes from another site");
        }

        if (headers.Origin is { Count: > 0 } origin
            && !string.Equals(origin.ToString(), http.Request.Scheme + "://" + http.Request.Host.Value, StringComparison.OrdinalIgnoreCase))
        {
            return Forged("the request's origin is another site");
        }

        var cookie = http.Request.Cookies[CookieName];
        var header = headers[HeaderName].ToString();
        if (string.IsNullOrEmpty(cookie) || string.IsNullOrEmpty(header)
            || !CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(cookie), Encoding.UTF8.GetBytes(header)))
        {
            return Forged("the anti-forgery token is missing or wrong (reload the page)");
        }

        return null;
    }

    /// <summary>The browser's token: the one its cookie holds, or a new one set in a cookie.</summary>
    public static string IssueToken(HttpContext http, DashboardContext dashboard)
    {
        if (http.Request.Cookies[CookieName] is { Length: 43 } existing && IsToken(existing))
        {
            return existing;
        }

        var token = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        http.Response.Cookies.Append(CookieName, token, new CookieOptions
        {
            HttpOnly = true,
            SameSite = SameSiteMode.Strict,
            Secure = http.Request.IsHttps,
            Path = (http.Request.PathBase.Value + dashboard.PathBase) is { Length: > 0 } path ? path : "/",
            IsEssential = true,
        });
        return token;
    }

    /// <summary>Headers of the page: no framing, no sniffing, no referrer, and only this origin's scripts and styles.</summary>
    public static void AddPageHeaders(HttpContext http)
    {
        var headers = http.Response.Headers;
        headers.ContentSecurityPolicy =
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'none'";
        headers.XContentTypeOptions = "nosniff";
        headers.XFrameOptions = "DENY";
        headers["Referrer-Policy"] = "no-referrer";
    }

    private static bool IsToken(string value) =>
        value.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_');

    private static IResult Forged(string why) =>
        Json.Problem(StatusCodes.Status403Forbidden, "Refused as a possible cross-site request forgery: " + why + ".");
}
