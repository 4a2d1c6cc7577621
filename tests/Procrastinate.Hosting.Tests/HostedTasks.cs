using System.Collections.Concurrent;

namespace Procrastinate.Hosting.Tests;

public static partial class HostedTasks
{
    public static ConcurrentQueue<string> Greeted { get; } = new();

    public static ConcurrentDictionary<string, int> FlakyRuns { get; } = new();

    [Task(Name = "hosting_tests.greet", Queue = "hosted")]
    public static partial Task Greet(string name)
    {
        Greeted.Enqueue(name);
        return Task.CompletedTask;
    }

    [Task(Name = "hosting_tests.flaky", Queue = "hosted", Retry = 1)]
    public static partial Task Flaky(string key)
    {
        if (FlakyRuns.AddOrUpdate(key, 1, (_, n) => n + 1) == 1)
        {
            throw new InvalidOperationException("first attempt fails");
        }

        return Task.CompletedTask;
    }

    [Task(Name = "hosting_tests.fail", Queue = "hosted")]
    public static partial Task Fail() => throw new NotSupportedException("always fails");

    [Task(Name = "hosting_tests.sleep", Queue = "hosted")]
    public static partial async Task Sleep(int milliseconds, CancellationToken cancellationToken) =>
        await Task.Delay(milliseconds, cancellationToken);
}

/// <summary>An application service that defers through the app it gets from the container.</summary>
public sealed class Greeter(ProcrastinateApp app)
{
    public ValueTask<long> GreetLaterAsync(string name) => Greet.Configure(app: app).DeferAsync(name);
}
