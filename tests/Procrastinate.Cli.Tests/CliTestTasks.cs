using System.Collections.Concurrent;

namespace Procrastinate.Cli.Tests;

public static partial class CliTestTasks
{
    public static ConcurrentDictionary<long, string> Ran { get; } = new();

    [Task(Name = "cli.greet", Aliases = ["greet_old"], Queue = "greetings", Priority = 2)]
    public static partial void Greet(JobContext context, string name, int times = 1) =>
        Ran[context.Job.Id] = $"{name} x{times}";

    [Task(Name = "cli.fail")]
    public static partial void Fail(string reason) => throw new InvalidOperationException(reason);

    [Task(Name = "cli.flaky", Retry = 2)]
    public static partial void Flaky(JobContext context)
    {
        if (context.Job.Attempts < 1)
        {
            throw new TimeoutException("first attempt fails");
        }
    }

    [Task(Name = "cli.cleanup", QueueingLock = "cleanup")]
    public static partial void Cleanup([TaskArgument("max_hours")] int maxHours)
    {
    }
}
