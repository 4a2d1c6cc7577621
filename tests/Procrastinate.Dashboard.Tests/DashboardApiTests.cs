using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Procrastinate.PostgreSql.Tests.Infrastructure;
using Procrastinate.Storage;

namespace Procrastinate.Dashboard.Tests;

/// <summary>The JSON API, the page's anti-forgery token, read-only mode and the loopback rule, over HTTP on real PostgreSQL.</summary>
public sealed partial class DashboardApiTests(DatabaseFixture database) : IClassFixture<DatabaseFixture>, IAsyncLifetime
{
    private static readonly TimeSpan WaitLimit = TimeSpan.FromSeconds(15);

    public Task InitializeAsync() => database.ResetAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task Jobs_FiltersAndPagesNewestFirst()
    {
        var ids = await database.Store.DeferJobsAsync(
        [
            Job("dash.flaky", "mail"), Job("dash.flaky", "mail"), Job("dash.sleep", "slow"), Job("dash.flaky", "mail"),
        ]);
        await using var server = await DashboardServer.StartAsync(database.Store);
        using var client = new HttpClient { BaseAddress = server.Root };

        var first = await GetJsonAsync(client, "api/jobs?queue=mail&limit=2");
        var next = first.GetProperty("next_before").GetInt64();
        var second = await GetJsonAsync(client, $"api/jobs?queue=mail&limit=2&before={next}");
        var byTask = await GetJsonAsync(client, "api/jobs?task=dash.sleep&status=todo");
        var bad = await client.GetAsync(new Uri("api/jobs?status=lost", UriKind.Relative));

        Assert.Equal([ids[3], ids[1]], Ids(first));
        Assert.Equal([ids[0]], Ids(second));
        Assert.Equal(JsonValueKind.Null, second.GetProperty("next_before").ValueKind);
        Assert.Equal([ids[2]], Ids(byTask));
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        using var error = JsonDocument.Parse(await bad.Content.ReadAsStringAsync());
        Assert.StartsWith("Unknown status 'lost'", error.RootElement.GetProperty("error").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Job_ShowsEveryFieldTheEventsAndWhyNoErrorIsKnown()
    {
        var id = (await database.Store.DeferJobsAsync([Job("dash.flaky", "mail", """{"key": "k"}""")]))[0];
        var worker = await database.Store.RegisterWorkerAsync();
        Assert.Single(await database.Store.FetchJobsAsync(new FetchJobsParams(worker, null)));
        await database.Store.FinishJobsAsync([new JobCompletion(id, JobStatus.Failed, false)]);
        await using var server = await DashboardServer.StartAsync(database.Store);
        using var client = new HttpClient { BaseAddress = server.Root };

        var detail = await GetJsonAsync(client, $"api/jobs/{id}");
        var missing = await client.GetAsync(new Uri("api/jobs/999999", UriKind.Relative));

        var job = detail.GetProperty("job");
        Assert.Equal("failed", job.GetProperty("status").GetString());
        Assert.Equal("k", job.GetProperty("args").GetProperty("key").GetString());
        Assert.Equal(1, job.GetProperty("attempts").GetInt32());
        Assert.Equal(
            ["deferred", "started", "failed"],
            detail.GetProperty("events").EnumerateArray().Select(e => e.GetProperty("type").GetString()));
        Assert.Contains("keeps none", detail.GetProperty("errors_note").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }

    [Fact]
    public async Task Stats_CountsByStatusAndQueue_AndThisMinute()
    {
        await database.Store.DeferJobsAsync([Job("dash.flaky", "mail"), Job("dash.sleep", "slow")]);
        await database.Store.RegisterWorkerAsync();
        await using var server = await DashboardServer.StartAsync(database.Store);
        using var client = new HttpClient { BaseAddress = server.Root };

        var stats = await GetJsonAsync(client, "api/stats");

        Assert.Equal(2, stats.GetProperty("totals").GetProperty("todo").GetInt64());
        Assert.Equal(["mail", "slow"], stats.GetProperty("queues").EnumerateArray().Select(q => q.GetProperty("name").GetString()));
        Assert.Equal(2, stats.GetProperty("minutes").EnumerateArray().Sum(m => m.GetProperty("deferred").GetInt64()));
        Assert.Equal(1, stats.GetProperty("workers_alive").GetInt32());
    }

    [Fact]
    public async Task Periodic_And_Tasks_ShowTheRegistry()
    {
        await using var server = await DashboardServer.StartAsync(database.Store);
        using var client = new HttpClient { BaseAddress = server.Root };

        var periodic = Assert.Single((await GetJsonAsync(client, "api/periodic")).EnumerateArray().ToList());
        var tasks = (await GetJsonAsync(client, "api/tasks")).EnumerateArray()
            .Where(t => t.GetProperty("name").GetString()!.StartsWith("dash.", StringComparison.Ordinal)).ToList();

        Assert.Equal("dash.report", periodic.GetProperty("task").GetString());
        Assert.Equal("0 4 * * *", periodic.GetProperty("cron").GetString());
        var next = periodic.GetProperty("next_tick").GetDateTimeOffset();
        Assert.Equal((4, 0, 0), (next.UtcDateTime.Hour, next.Minute, next.Second));
        Assert.Equal(["dash.flaky", "dash.report", "dash.sleep"], tasks.Select(t => t.GetProperty("name").GetString()));
        Assert.Equal("daily-report", tasks[1].GetProperty("queueing_lock").GetString());
    }

    [Fact]
    public async Task Action_NeedsThePagesToken_AndSameOrigin()
    {
        var id = (await database.Store.DeferJobsAsync([Job("dash.flaky", "mail")]))[0];
        await using var server = await DashboardServer.StartAsync(database.Store);
        using var handler = new HttpClientHandler { CookieContainer = new CookieContainer() };
        using var client = new HttpClient(handler) { BaseAddress = server.Root };
        var token = await PageTokenAsync(client);

        var noToken = await PostAsync(client, $"api/jobs/{id}/cancel", null);
        var wrongToken = await PostAsync(client, $"api/jobs/{id}/cancel", "x" + token[1..]);
        var otherSite = await PostAsync(client, $"api/jobs/{id}/cancel", token, origin: "https://evil.example");
        var crossSite = await PostAsync(client, $"api/jobs/{id}/cancel", token, fetchSite: "cross-site");
        Assert.Equal(JobStatus.Todo, await database.Store.GetJobStatusAsync(id));
        var ok = await PostAsync(client, $"api/jobs/{id}/cancel", token);
        var again = await PostAsync(client, $"api/jobs/{id}/cancel", token);
        var get = await client.GetAsync(new Uri($"api/jobs/{id}/cancel", UriKind.Relative));

        Assert.All([noToken, wrongToken, otherSite, crossSite], r => Assert.Equal(HttpStatusCode.Forbidden, r.StatusCode));
        Assert.Contains("cross-site request forgery", await noToken.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        Assert.Equal(JobStatus.Cancelled, await database.Store.GetJobStatusAsync(id));
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        Assert.Equal(HttpStatusCode.MethodNotAllowed, get.StatusCode);
    }

    [Fact]
    public async Task BulkAction_ActsOnTheFilteredSelectionOnly()
    {
        var ids = await database.Store.DeferJobsAsync(
            [Job("dash.flaky", "mail"), Job("dash.flaky", "mail"), Job("dash.sleep", "slow"), Job("dash.flaky", "other")]);
        await using var server = await DashboardServer.StartAsync(database.Store);
        using var handler = new HttpClientHandler { CookieContainer = new CookieContainer() };
        using var client = new HttpClient(handler) { BaseAddress = server.Root };
        var token = await PageTokenAsync(client);

        var result = await PostAsync(client, "api/jobs/bulk/cancel?queue=mail", token);
        var deleted = await PostAsync(client, "api/jobs/bulk/delete?status=cancelled", token);

        Assert.Equal(HttpStatusCode.OK, result.StatusCode);
        using var body = JsonDocument.Parse(await result.Content.ReadAsStringAsync());
        Assert.Equal(2, body.RootElement.GetProperty("done").GetInt32());
        Assert.Equal(HttpStatusCode.OK, deleted.StatusCode);
        Assert.Equal([ids[2], ids[3]], (await database.Store.ListJobsAsync(JobFilter.All)).Select(j => j.Id));
    }

    [Fact]
    public async Task ReadOnly_RefusesEveryAction()
    {
        var id = (await database.Store.DeferJobsAsync([Job("dash.flaky", "mail")]))[0];
        await using var server = await DashboardServer.StartAsync(database.Store, o => o.ReadOnly = true);
        using var handler = new HttpClientHandler { CookieContainer = new CookieContainer() };
        using var client = new HttpClient(handler) { BaseAddress = server.Root };
        var token = await PageTokenAsync(client);

        var single = await PostAsync(client, $"api/jobs/{id}/cancel", token);
        var bulk = await PostAsync(client, "api/jobs/bulk/cancel", token);

        Assert.Equal(HttpStatusCode.Forbidden, single.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, bulk.StatusCode);
        Assert.Contains("read-only", await single.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(JobStatus.Todo, await database.Store.GetJobStatusAsync(id));
    }

    [Fact]
    public async Task RequestFromAnotherMachine_IsRefused()
    {
        await using var server = await DashboardServer.StartAsync(database.Store, remoteAddress: IPAddress.Parse("203.0.113.7"));
        using var client = new HttpClient { BaseAddress = server.Root };

        var page = await client.GetAsync(new Uri("jobs", UriKind.Relative));
        var api = await client.GetAsync(new Uri("api/stats", UriKind.Relative));
        var asset = await client.GetAsync(new Uri("assets/app.js", UriKind.Relative));

        Assert.All([page, api, asset], r => Assert.Equal(HttpStatusCode.Forbidden, r.StatusCode));
        Assert.Contains("loopback", await api.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Pages_NeverShowTheConnectionString()
    {
        await database.Store.DeferJobsAsync([Job("dash.flaky", "mail")]);
        await using var server = await DashboardServer.StartAsync(database.Store);
        using var client = new HttpClient { BaseAddress = server.Root };
        var secretParts = new Npgsql.NpgsqlConnectionStringBuilder(database.ConnectionString);

        foreach (var path in new[] { "", "jobs", "api/stats", "api/jobs", "api/config", "api/tasks", "api/periodic", "api/workers", "api/queues", "api/locks" })
        {
            var text = await client.GetStringAsync(new Uri(path, UriKind.Relative));
            Assert.DoesNotContain("Host=", text, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain(database.ConnectionString, text, StringComparison.Ordinal);
            if (secretParts.Password is { Length: > 0 } password)
            {
                Assert.DoesNotContain(password, text, StringComparison.Ordinal);
            }
        }
    }

    [Fact]
    public async Task Live_SendsAChange_WhenTheStoreNotifies()
    {
        await using var server = await DashboardServer.StartAsync(database.Store, o => o.PollInterval = TimeSpan.FromMinutes(5));
        using var client = new HttpClient { BaseAddress = server.Root };
        using var timeout = new CancellationTokenSource(WaitLimit);
        using var response = await client.GetAsync(new Uri("api/live", UriKind.Relative), HttpCompletionOption.ResponseHeadersRead, timeout.Token);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(timeout.Token));
        Assert.Equal("event: hello", await NextEventAsync(reader, timeout.Token));

        var next = NextEventAsync(reader, timeout.Token);
        // The listener may start just after the stream: defer until the change arrives (each defer notifies).
        while (!next.IsCompleted)
        {
            await database.Store.DeferJobsAsync([Job("dash.flaky", "mail")]);
            await Task.WhenAny(next, Task.Delay(200, timeout.Token));
        }

        Assert.Equal("event: change", await next);
    }

    private static async Task<string> NextEventAsync(StreamReader reader, CancellationToken cancellationToken)
    {
        while (true)
        {
            var line = await reader.ReadLineAsync(cancellationToken) ?? throw new EndOfStreamException();
            if (line.StartsWith("event: ", StringComparison.Ordinal))
            {
                return line;
            }
        }
    }

    private static JobToDefer Job(string task, string queue, string args = "{}") => new(task, queue, args, 0, null, null, null);

    private static List<long> Ids(JsonElement page) =>
        page.GetProperty("jobs").EnumerateArray().Select(j => j.GetProperty("id").GetInt64()).ToList();

    private static async Task<JsonElement> GetJsonAsync(HttpClient client, string path)
    {
        var response = await client.GetAsync(new Uri(path, UriKind.Relative));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{path}: {(int)response.StatusCode} {text}");
        using var document = JsonDocument.Parse(text);
        return document.RootElement.Clone();
    }

    private static async Task<string> PageTokenAsync(HttpClient client)
    {
        var page = await client.GetStringAsync(new Uri("jobs", UriKind.Relative));
        return TokenPattern().Match(page).Groups[1].Value;
    }

    private static async Task<HttpResponseMessage> PostAsync(
        HttpClient client, string path, string? token, string? origin = null, string? fetchSite = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(path, UriKind.Relative))
        {
            Content = new StringContent("{}", System.Text.Encoding.UTF8, "application/json"),
        };
        if (token is not null)
        {
            request.Headers.Add("X-Procrastinate-Csrf", token);
        }

        if (origin is not null)
        {
            request.Headers.Add("Origin", origin);
        }

        if (fetchSite is not null)
        {
            request.Headers.Add("Sec-Fetch-Site", fetchSite);
        }

        return await client.SendAsync(request);
    }

    [GeneratedRegex("""<meta name="csrf-token" content="([A-Za-z0-9_-]+)">""")]
    private static partial Regex TokenPattern();
}
