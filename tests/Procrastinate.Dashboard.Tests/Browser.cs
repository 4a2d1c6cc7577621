using OpenQA.Selenium;
using OpenQA.Selenium.Chrome;
using OpenQA.Selenium.Support.UI;

namespace Procrastinate.Dashboard.Tests;

/// <summary>
/// Headless Chromium (Debian's <c>chromium</c>) driven by Selenium through Debian's <c>chromidriver</c>, with a fresh
/// empty profile; <c>./test.sh</c> installs both when missing.
/// </summary>
public sealed class Browser : IDisposable
{
    public const string ChromiumPath = "/usr/bin/chromium";
    public const string DriverDirectory = "/usr/bin";

    private static readonly TimeSpan WaitLimit = TimeSpan.FromSeconds(20);

    private readonly string _profile;

    public Browser()
    {
        Assert.True(File.Exists(ChromiumPath), $"{ChromiumPath} is missing: install Debian's chromium and chromium-driver (./test.sh does).");
        _profile = Directory.CreateTempSubdirectory("procrastinate-chromium-").FullName;
        var options = new ChromeOptions { BinaryLocation = ChromiumPath };
        options.AddArguments(
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
            "--window-size=1366,900", "--user-data-dir=" + _profile);
        var service = ChromeDriverService.CreateDefaultService(DriverDirectory, "chromedriver");
        service.SuppressInitialDiagnosticInformation = true;
        service.HideCommandPromptWindow = true;
        Driver = new ChromeDriver(service, options, TimeSpan.FromSeconds(60));
    }

    public ChromeDriver Driver { get; }

    public void Go(Uri url) => Driver.Navigate().GoToUrl(url);

    /// <summary>Waits (bounded) until <paramref name="condition"/> holds; the page is re-read at each try.</summary>
    public T Until<T>(Func<IWebDriver, T> condition, string what)
    {
        var wait = new WebDriverWait(Driver, WaitLimit) { PollingInterval = TimeSpan.FromMilliseconds(100), Message = what };
        wait.IgnoreExceptionTypes(typeof(NoSuchElementException), typeof(StaleElementReferenceException));
        return wait.Until(condition);
    }

    public IWebElement Find(string css) => Until(d => d.FindElement(By.CssSelector(css)), "element " + css);

    /// <summary>
    /// Clicks the element; a live refresh may replace it between finding and clicking, so it is found again until the
    /// click lands (an element replaced before the click was never clicked).
    /// </summary>
    public void Click(string css) => Until(
        d =>
        {
            d.FindElement(By.CssSelector(css)).Click();
            return true;
        },
        "a click on " + css);

    /// <summary>Types into the element, found again if a live refresh replaced it before it took the focus.</summary>
    public void Type(string css, string text) => Until(
        d =>
        {
            d.FindElement(By.CssSelector(css)).SendKeys(text);
            return true;
        },
        $"typing into {css}");

    /// <summary>The <c>data-id</c> of each row of the jobs table, in order, read in one go.</summary>
    public static string RowIds(IWebDriver driver) =>
        string.Join(",", driver.FindElements(By.CssSelector("#jobs-table tbody tr")).Select(row => row.GetAttribute("data-id")));

    /// <summary>Waits until the element's text is <paramref name="text"/>.</summary>
    public void UntilText(string css, string text) =>
        Until(d => d.FindElement(By.CssSelector(css)).Text == text, $"'{css}' reads '{text}'");

    /// <summary>Writes a screenshot to docs/images when PROCRASTINATE_UPDATE_SCREENSHOTS=1 (the docs show them).</summary>
    public void Screenshot(string name)
    {
        if (Environment.GetEnvironmentVariable("PROCRASTINATE_UPDATE_SCREENSHOTS") != "1")
        {
            return;
        }

        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Procrastinate.sln")))
        {
            directory = directory.Parent;
        }

        var images = Path.Combine(directory!.FullName, "docs", "images");
        Directory.CreateDirectory(images);
        Driver.GetScreenshot().SaveAsFile(Path.Combine(images, $"dashboard-{name}.png"));
    }

    public void Dispose()
    {
        Driver.Quit();
        Driver.Dispose();
        try
        {
            Directory.Delete(_profile, recursive: true);
        }
        catch (IOException)
        {
            // Chromium may still hold a file for a moment; the temp folder is cleaned by the system.
        }
    }
}
