using Procrastinate;

namespace InstallCheck;

public static partial class Greetings
{
    public static string? Greeted { get; private set; }

    [Task(Queue = "greetings")]
    public static partial async Task Greet(string name, CancellationToken cancellationToken)
    {
        await Task.Yield();
        Greeted = $"Hello, {name}";
    }
}
