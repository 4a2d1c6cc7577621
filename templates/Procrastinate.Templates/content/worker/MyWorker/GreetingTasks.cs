using Procrastinate;

namespace MyWorker;

/// <summary>The worker's tasks: each <c>[Task]</c> method gets a typed handle, such as <c>Greet.DeferAsync("Ada")</c>.</summary>
public static partial class GreetingTasks
{
    /// <summary>Greets someone. Replace it with your own work.</summary>
    [Task(Name = "greet", Queue = "greetings", Retry = 3)]
    public static partial async Task Greet(string name, CancellationToken cancellationToken)
    {
        await Task.Delay(TimeSpan.FromMilliseconds(10), cancellationToken);
        Console.WriteLine($"Hello, {name}!");
    }
}
