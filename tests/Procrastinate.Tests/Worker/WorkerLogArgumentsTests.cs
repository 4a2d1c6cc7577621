namespace Procrastinate.Tests.Workers;

/// <summary>A job's arguments are logged as a bounded prefix, never whole.</summary>
public sealed class WorkerLogArgumentsTests
{
    [Fact]
    public async Task LargeArguments_AreLoggedAsABoundedPrefix_InEveryRecord()
    {
        var kit = new WorkerTestKit();
        kit.AddTask("big", _ => { });
        var payload = new string('x', 1_000_000);
        await kit.DeferAsync("big", $$"""{"data": "{{payload}}"}""");
        await kit.DeferAsync("big", $$"""{"data": "{{payload}}"}""");

        await kit.DrainAsync();

        var total = kit.Logs.Records.Sum(r => r.Message.Length + (r.Exception?.ToString().Length ?? 0));
        Assert.True(total < 10_000, $"{total} characters of logs for two jobs");
        var start = Assert.Single(kit.Logs.Records, r => r.Message.StartsWith("Starting job big[1]", StringComparison.Ordinal));
        Assert.Contains("""({"data": "xxx""", start.Message, StringComparison.Ordinal);
        Assert.Contains("… 1000012 characters)", start.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0, "Starting job small[1](… 12 characters)")]
    [InlineData(5, "Starting job small[1]({\"a\":… 12 characters)")]
    [InlineData(12, "Starting job small[1]({\"a\": \"bcd\"})")]
    public async Task LogArgumentsMaxLength_IsTheLongestPrefixShown(int max, string expected)
    {
        var kit = new WorkerTestKit(workerDefaults: new WorkerOptions { LogArgumentsMaxLength = max });
        kit.AddTask("small", _ => { });
        await kit.DeferAsync("small", """{"a": "bcd"}""");

        await kit.DrainAsync();

        Assert.Contains(kit.Logs.Records, r => r.Message == expected);
    }
}
