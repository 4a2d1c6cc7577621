using System.Diagnostics;
using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Procrastinate.Cli.Tests;

/// <summary>
/// The <c>dashboard</c> command of the worker binary as a running process: the addresses it listens on (from the line
/// it prints), an HTTP client with the page's anti-forgery token, and a bounded stop.
/// </summary>
public sealed partial class WorkerBinaryDashboard : IAsyncDisposable
{
    private static readonly TimeSpan StartLimit = TimeSpan.FromMinutes(2);

    private readonly Process _process;
    private readonly Task<string> _error;

    private WorkerBinaryDashboard(Process process, Task<string> error, string firstLine, IReadOnlyList<Uri> addresses)
    {
        _process = process;
        _error = error;
        FirstLine = firstLine;
        Addresses = addresses;
    }

    /// <summary>What the command printed once listening.</summary>
    public string FirstLine { get; }

    /// <summary>Each address it listens on, ending with a slash, in the order of <c>--urls</c>.</summary>
    public IReadOnlyList<Uri> Addresses { get; }

    /// <summary>
    /// Starts <c>dashboard --urls URLS [ARGS]</c> and waits (at most 2 minutes) for the line that says where it
    /// listens; a port 0 in <paramref name="urls"/> becomes the port the system gave.
    /// </summary>
    public static async Task<WorkerBinaryDashboard> StartAsync(IReadOnlyDictionary<string, string> environment, string urls, params string[] args)
    {
        var process = WorkerBinary.Start(environment, ["dashboard", "--urls", urls, .. args]);
        var error = process.StandardError.ReadToEndAsync();
        string? line;
        try
        {
            line = await process.StandardOutput.ReadLineAsync().WaitAsync(StartLimit);
        }
        catch (TimeoutException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"dashboard --urls {urls} printed nothing within {StartLimit}.");
        }

        if (line is null || AddressesPattern().Match(line) is not { Success: true } match)
        {
            await WorkerBinary.WaitForExitAsync(process, ["dashboard"]);
            throw new InvalidOperationException($"dashboard --urls {urls} did not start (exit {process.ExitCode}): {line}\n{await error}");
        }

        var addresses = match.Groups[1].Value.Split(", ").Select(a => new Uri(a.TrimEnd('/') + "/")).ToList();
        return new WorkerBinaryDashboard(process, error, line, addresses);
    }

    /// <summary>A client of one address whose cookies keep the page's anti-forgery token.</summary>
    public static HttpClient Client(Uri address) =>
        new(new HttpClientHandler { CookieContainer = new CookieContainer() }) { BaseAddress = address, Timeout = TimeSpan.FromSeconds(30) };

    /// <summary>The token the page gives this client (its cookie is set at the same time).</summary>
    public static async Task<string> PageTokenAsync(HttpClient client)
    {
        var page = await client.GetStringAsync(new Uri("jobs", UriKind.Relative));
        var match = TokenPattern().Match(page);
        Assert.True(match.Success, "The page carries no anti-forgery token.");
        return match.Groups[1].Value;
    }

    /// <summary>A POST of the page's script: same origin, the token in its header.</summary>
    public static async Task<HttpResponseMessage> PostAsync(HttpClient client, string path, string token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(path, UriKind.Relative))
        {
            Content = new StringContent("{}", Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("X-Procrastinate-Csrf", token);
        request.Headers.Add("Sec-Fetch-Site", "same-origin");
        return await client.SendAsync(request);
    }

    public static async Task<JsonElement> GetJsonAsync(HttpClient client, string path)
    {
        using var response = await client.GetAsync(new Uri(path, UriKind.Relative));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{path}: {(int)response.StatusCode} {text}");
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        using var document = JsonDocument.Parse(text);
        return document.RootElement.Clone();
    }

    /// <summary>An IPv4 address of this machine that is not loopback, or <see langword="null"/> when it has none.</summary>
    public static IPAddress? NonLoopbackAddress() =>
        NetworkInterface.GetAllNetworkInterfaces()
            .Where(n => n.OperationalStatus == OperationalStatus.Up && n.NetworkInterfaceType != NetworkInterfaceType.Loopback)
            .SelectMany(n => n.GetIPProperties().UnicastAddresses)
            .Select(a => a.Address)
            .FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork && !IPAddress.IsLoopback(a));

    /// <summary>Stops it as a service manager does (SIGTERM), waits at most 3 minutes, and returns its exit code and stderr.</summary>
    public async Task<(int ExitCode, string Error)> StopAsync()
    {
        using (var kill = Process.Start("kill", ["-TERM", $"{_process.Id}"]))
        {
            await kill!.WaitForExitAsync();
        }

        var rest = _process.StandardOutput.ReadToEndAsync();
        await WorkerBinary.WaitForExitAsync(_process, ["dashboard"]);
        await rest;
        return (_process.ExitCode, await _error);
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }

    [GeneratedRegex(@"^Dashboard on (.+?)( \(read-only\))?, over ")]
    private static partial Regex AddressesPattern();

    [GeneratedRegex("""<meta name="csrf-token" content="([A-Za-z0-9_-]+)">""")]
    private static partial Regex TokenPattern();
}
