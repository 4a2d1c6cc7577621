namespace Procrastinate.Tests.Workers;

/// <summary>A task's result is logged, bounded, in its job's end line, as Procrastinate does (issue 19).</summary>
public sealed class WorkerResultLogTests
{
    [Fact]
    public async Task AResult_IsInTheEndLine_AndInTheResultField()
    {
        var kit = new WorkerTestKit();
        kit.AddTask("answer", _ => ValueTask.FromResult<object?>(42.5));
        var id = await kit.DeferAsync("answer", """{"a":1}""");

        await kit.DrainAsync();

        var line = Assert.Single(kit.Logs.Records, r => r.Message.Contains("ended with status", StringComparison.Ordinal));
        Assert.Matches($$"""^Job answer\[{{id}}\]\(\{"a": 1\}\) ended with status: Success, lasted \d+\.\d{3} s - Result: 42\.5$""", line.Message);
        Assert.Contains(line.State, f => f.Key == "Result" && (string?)f.Value == "42.5");
        Assert.Contains(line.State, f => f.Key == "Outcome" && (string?)f.Value == "Success");
    }

    [Fact]
    public async Task NoResult_KeepsTheLineWithoutResult()
    {
        var kit = new WorkerTestKit();
        kit.AddTask("nothing", _ => { });
        await kit.DeferAsync("nothing");

        await kit.DrainAsync();

        var line = Assert.Single(kit.Logs.Records, r => r.Message.Contains("ended with status", StringComparison.Ordinal));
        Assert.DoesNotContain("Result", line.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(line.State, f => f.Key == "Result");
    }

    [Fact]
    public async Task ALargeResult_IsCutToLogArgumentsMaxLength()
    {
        var kit = new WorkerTestKit(workerDefaults: new WorkerOptions { LogArgumentsMaxLength = 10 });
        var big = new string('r', 1_000_000);
        kit.AddTask("big", _ => ValueTask.FromResult<object?>(big));
        await kit.DeferAsync("big");

        await kit.DrainAsync();

        var line = Assert.Single(kit.Logs.Records, r => r.Message.Contains("ended with status", StringComparison.Ordinal));
        Assert.EndsWith(" - Result: rrrrrrrrrr… 1000000 characters", line.Message, StringComparison.Ordinal);
        Assert.True(line.Message.Length < 200, line.Message.Length + " characters");
    }

    [Fact]
    public async Task AResultWhoseToStringThrows_IsNamed_AndTheJobStillSucceeds()
    {
        var kit = new WorkerTestKit();
        kit.AddTask("odd", _ => ValueTask.FromResult<object?>(new Throwing()));
        var id = await kit.DeferAsync("odd");

        await kit.DrainAsync();

        Assert.Equal(JobStatus.Succeeded, await kit.StatusAsync(id));
        Assert.Contains(kit.Logs.Records, r => r.Message.EndsWith("Result: <Throwing.ToString() threw InvalidOperationException>", StringComparison.Ordinal));
    }

    private sealed class Throwing
    {
        public override string ToString() => throw new InvalidOperationException("no text");
    }
}
