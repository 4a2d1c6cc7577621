using System.Net;
using OpenQA.Selenium;
using Procrastinate.PostgreSql.Tests.Infrastructure;
using Procrastinate.Storage;

namespace Procrastinate.Dashboard.Tests;

/// <summary>The dashboard in a real headless Chromium, over real PostgreSQL and a real worker.</summary>
public sealed class DashboardBrowserTests(DatabaseFixture database) : IClassFixture<DatabaseFixture>, IAsyncLifetime
{
    private static readonly TimeSpan WaitLimit = TimeSpan.FromSeconds(20);

    public Task InitializeAsync() => database.ResetAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task EveryPage_Loads_AndShowsTheQueue()
    {
        var ids = await SeedAsync();
        await using var server = await DashboardServer.StartAsync(database.Store);
        using var browser = new Browser();

        browser.Go(server.Root);
        browser.UntilText("h1", "Overview");
        browser.UntilText("#total-all", "8");
        Assert.Equal("2", browser.Find("#total-succeeded").Text);
        Assert.NotNull(browser.Find("#chart polyline"));
        browser.Find("#queues-table tr[data-name='mail']");
        browser.Screenshot("overview");

        browser.Go(new Uri(server.Root, "jobs"));
        browser.UntilText("h1", "Jobs");
        browser.Until(d => d.FindElements(By.CssSelector("#jobs-table tbody tr")).Count == 8, "eight jobs");
        Assert.Equal((ids[^1] + 1).ToString(System.Globalization.CultureInfo.InvariantCulture), browser.Find("#jobs-table tbody tr").GetAttribute("data-id"));
        browser.Screenshot("jobs");

        browser.Go(new Uri(server.Root, $"jobs/{ids[2]}"));
        browser.UntilText("h1", $"Job #{ids[2]}");
        browser.Until(d => d.FindElements(By.CssSelector("#events li")).Count == 3, "three events");
        Assert.Contains("keeps none", browser.Find("#errors-note").Text, StringComparison.Ordinal);
        Assert.Contains("\"key\": \"seed\"", browser.Find("#args").Text, StringComparison.Ordinal);
        browser.Screenshot("job");

        foreach (var (path, title, content) in new[]
                 {
                     ("queues", "Queues", "#queues-table tr[data-name='slow']"),
                     ("locks", "Locks", "#locks-table tr[data-name='sleeper']"),
                     ("workers", "Workers", "tr[data-worker]"),
                     ("periodic", "Periodic tasks", "code"),
                     ("tasks", "Tasks", "table code"),
                 })
        {
            browser.Go(new Uri(server.Root, path));
            browser.UntilText("h1", title);
            browser.Find(content);
            browser.Screenshot(path);
        }
    }

    [Fact]
    public async Task Filters_NarrowTheJobsList()
    {
        var ids = await SeedAsync();
        await using var server = await DashboardServer.StartAsync(database.Store);
        using var browser = new Browser();
        browser.Go(new Uri(server.Root, "jobs"));
        browser.Until(d => d.FindElements(By.CssSelector("#jobs-table tbody tr")).Count == 8, "eight jobs");

        // Every wait is on the page's state: the page refreshes itself every second (PollInterval), so a row found
        // now may be replaced before it is read, and a refresh may be waiting for its answer while a filter applies.
        browser.Click("#filters select[name='status'] option[value='failed']");
        browser.Click("#filters button[type='submit']");
        var failed = ids[2].ToString(System.Globalization.CultureInfo.InvariantCulture);
        browser.Until(d => Browser.RowIds(d) == failed, "the failed job alone");
        Assert.EndsWith("jobs?status=failed", browser.Driver.Url, StringComparison.Ordinal);

        browser.Click("#filters button[type='button']");
        browser.Until(d => d.FindElements(By.CssSelector("#jobs-table tbody tr")).Count == 8, "all jobs again");
        browser.Type("#filters input[name='queue']", "slow");
        browser.Type("#filters input[name='task']", "dash.sleep\n");
        var sleeping = ids[3].ToString(System.Globalization.CultureInfo.InvariantCulture);
        browser.Until(d => Browser.RowIds(d) == sleeping, "the sleeping job alone");
        Assert.EndsWith("jobs?queue=slow&task=dash.sleep", browser.Driver.Url, StringComparison.Ordinal);
        browser.Go(new Uri(server.Root, "jobs?lock=none-such"));
        browser.Find(".empty");
    }

    [Fact]
    public async Task RetryCancelAbort_ChangeTheJobLive()
    {
        var key = Guid.NewGuid().ToString("N");
        var failing = (await database.Store.DeferJobsAsync([new JobToDefer("dash.flaky", "mail", $$"""{"key": "{{key}}"}""", 0, null, null, null)]))[0];
        var sleeping = (await database.Store.DeferJobsAsync([new JobToDefer("dash.sleep", "slow", """{"seconds": 60}""", 0, "sleeper", null, null)]))[0];
        var later = (await database.Store.DeferJobsAsync([new JobToDefer("dash.flaky", "mail", """{"key": "later"}""", 0, null, null, DateTimeOffset.UtcNow.AddHours(1))]))[0];
        await using var server = await DashboardServer.StartAsync(database.Store);
        using var stop = new CancellationTokenSource();
        var worker = server.App.RunWorkerAsync(new WorkerOptions { Concurrency = 2, InstallSignalHandlers = false, ShutdownGracefulTimeout = TimeSpan.FromSeconds(5) }, stop.Token);
        try
        {
            await UntilStatusAsync(failing, JobStatus.Failed);
            await UntilStatusAsync(sleeping, JobStatus.Doing);
            using var browser = new Browser();

            browser.Go(new Uri(server.Root, $"jobs/{failing}"));
            browser.UntilText("[data-field='Status']", "failed");
            browser.Click("button[data-action='retry']");
            browser.UntilText("[data-field='Status']", "succeeded");
            browser.Until(d => d.FindElements(By.CssSelector("#events li[data-event='retried']")).Count == 1, "the retried event");

            browser.Go(new Uri(server.Root, $"jobs/{later}"));
            browser.UntilText("[data-field='Status']", "todo");
            browser.Click("button[data-action='cancel']");
            browser.UntilText("[data-field='Status']", "cancelled");

            browser.Go(new Uri(server.Root, "jobs?status=doing"));
            browser.Click($"#jobs-table tr[data-id='{sleeping}'] button[data-action='abort']");
            // The worker aborts the job; the list drops it from "doing" without a reload.
            browser.Until(d => d.FindElements(By.CssSelector($"#jobs-table tr[data-id='{sleeping}']")).Count == 0, "the aborted job leaves the running list");
            Assert.Equal(JobStatus.Aborted, await database.Store.GetJobStatusAsync(sleeping));
        }
        finally
        {
            await stop.CancelAsync();
            await worker;
        }
    }

    [Fact]
    public async Task JobPage_ShowsTheErrorOfEachFailedAttempt_AndWhyOneIsMissing()
    {
        await database.Store.Schema.ApplyJobErrorTableAsync();
        try
        {
            var key = Guid.NewGuid().ToString("N");
            var failing = (await database.Store.DeferJobsAsync([new JobToDefer("dash.flaky", "mail", $$"""{"key": "{{key}}"}""", 0, null, null, null)]))[0];

            // A failure recorded without its error, as a Python worker records one.
            var silent = (await database.Store.DeferJobsAsync([new JobToDefer("dash.report", "reports", """{"timestamp": 1}""", 0, null, null, null)]))[0];
            var python = await database.Store.RegisterWorkerAsync();
            Assert.Equal(silent, Assert.Single(await database.Store.FetchJobsAsync(new FetchJobsParams(python, ["reports"]))).Id);
            await database.Store.FinishJobsAsync([new JobCompletion(silent, JobStatus.Failed, false)]);

            await using var server = await DashboardServer.StartAsync(database.Store);
            using var stop = new CancellationTokenSource();
            var worker = server.App.RunWorkerAsync(new WorkerOptions { Queues = ["mail"], InstallSignalHandlers = false }, stop.Token);
            try
            {
                await UntilStatusAsync(failing, JobStatus.Failed);
            }
            finally
            {
                await stop.CancelAsync();
                await worker;
            }

            using var browser = new Browser();
            browser.Go(new Uri(server.Root, $"jobs/{failing}"));
            browser.UntilText(".attempt-error[data-attempt='1'] .error-type", "System.IO.IOException: the mail server said no");
            browser.Click(".attempt-error[data-attempt='1'] summary");
            browser.Until(
                d => d.FindElement(By.CssSelector(".attempt-error[data-attempt='1'] pre")).Text.Contains("DashboardTasks.Flaky", StringComparison.Ordinal),
                "the stack trace");
            Assert.Empty(browser.Driver.FindElements(By.CssSelector("#errors-note")));
            browser.Driver.ExecuteScript("document.querySelector('#errors-title').scrollIntoView()");
            browser.Screenshot("job-errors");

            browser.Go(new Uri(server.Root, $"jobs/{silent}"));
            browser.UntilText("h1", $"Job #{silent}");
            browser.Until(d => d.FindElement(By.CssSelector("#errors-note")).Text.Contains("Python Procrastinate worker", StringComparison.Ordinal), "why the error is missing");
            Assert.Empty(browser.Driver.FindElements(By.CssSelector(".attempt-error")));
        }
        finally
        {
            // The other tests of this class see a database without the extension.
            await database.ExecuteAsync("DROP TABLE IF EXISTS procrastinate_dotnet_job_errors");
        }
    }

    [Fact]
    public async Task CrossSiteForm_AndScriptWithoutToken_AreRefused()
    {
        var id = (await database.Store.DeferJobsAsync([new JobToDefer("dash.flaky", "mail", "{}", 0, null, null, null)]))[0];
        await using var server = await DashboardServer.StartAsync(database.Store);
        using var browser = new Browser();
        browser.Go(new Uri(server.Root, "jobs"));
        browser.Find("#jobs-table");

        // Same origin, but without the page's token: refused.
        var status = browser.Driver.ExecuteAsyncScript(
            "const done = arguments[arguments.length - 1];"
            + $"fetch('api/jobs/{id}/cancel', {{ method: 'POST' }}).then(r => done(r.status));");
        Assert.Equal(403L, status);

        // Another site's page posting a form to the dashboard: the SameSite cookie stays home and no token is sent.
        var action = new Uri(server.Root, $"api/jobs/{id}/cancel");
        var evil = "data:text/html,<form id=f method=post action='" + action + "'></form><script>document.getElementById('f').submit()</script>";
        browser.Driver.Navigate().GoToUrl(evil);
        browser.Until(d => d.PageSource.Contains("forgery", StringComparison.Ordinal), "the refusal");
        Assert.Equal(JobStatus.Todo, await database.Store.GetJobStatusAsync(id));
    }

    [Fact]
    public async Task AnotherMachine_IsRefused()
    {
        await using var server = await DashboardServer.StartAsync(database.Store, remoteAddress: IPAddress.Parse("192.0.2.10"));
        using var browser = new Browser();

        browser.Go(server.Root);

        browser.Until(d => d.PageSource.Contains("loopback", StringComparison.Ordinal), "the loopback refusal");
        Assert.Empty(browser.Driver.FindElements(By.CssSelector("#nav")));
    }

    /// <summary>Eight jobs: two succeeded, one failed, one running, three waiting (one of a periodic tick), one cancelled.</summary>
    private async Task<IReadOnlyList<long>> SeedAsync()
    {
        var store = database.Store;
        var ids = await store.DeferJobsAsync(
        [
            new JobToDefer("dash.flaky", "mail", """{"key": "a"}""", 0, null, null, null),
            new JobToDefer("dash.flaky", "mail", """{"key": "b"}""", 0, null, null, null),
            new JobToDefer("dash.flaky", "mail", """{"key": "seed"}""", 0, null, null, null),
            new JobToDefer("dash.sleep", "slow", """{"seconds": 30}""", 0, "sleeper", null, null),
            new JobToDefer("dash.report", "reports", """{"timestamp": 1764907200}""", 0, null, "daily-report", null),
            new JobToDefer("dash.flaky", "mail", """{"key": "c"}""", 5, null, null, DateTimeOffset.UtcNow.AddHours(2)),
            new JobToDefer("dash.flaky", "mail", """{"key": "d"}""", 0, null, null, null),
        ]);
        var worker = await store.RegisterWorkerAsync();
        var fetched = await store.FetchJobsAsync(new FetchJobsParams(worker, null, 4));
        Assert.Equal(4, fetched.Count);
        await store.FinishJobsAsync(
        [
            new JobCompletion(ids[0], JobStatus.Succeeded, false),
            new JobCompletion(ids[1], JobStatus.Succeeded, false),
            new JobCompletion(ids[2], JobStatus.Failed, false),
        ]);
        await store.CancelJobAsync(ids[6]);
        await store.DeferPeriodicJobAsync(new JobToDefer("dash.report", "reports", """{"timestamp": 1764820800}""", 0, null, null, null), "", 1764820800);
        return ids;
    }

    private async Task UntilStatusAsync(long id, JobStatus status)
    {
        using var timeout = new CancellationTokenSource(WaitLimit);
        while (await database.Store.GetJobStatusAsync(id, timeout.Token) != status)
        {
            await Task.Delay(50, timeout.Token);
        }
    }
}
