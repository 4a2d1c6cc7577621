using System.Collections.Concurrent;

namespace Procrastinate.Generators.Tests.RoundTrip;

public sealed class TransientError : Exception
{
    public TransientError()
    {
    }

    public TransientError(string message)
        : base(message)
    {
    }

    public TransientError(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

public sealed class NeverRetry : IRetryStrategy
{
    public RetryDecision? GetRetryDecision(Exception exception, Job job) => null;
}

public static partial class OtherTasks
{
    public static ConcurrentDictionary<string, object?> Received { get; } = new();

    [Task(Name = "python.module.send_email", Aliases = ["send_email_old"], Queue = "emails", Priority = 3, Lock = "l", QueueingLock = "q",
        Retry = TaskAttribute.Forever, RetryWaitSeconds = 1.5, RetryExponentialWaitSeconds = 2, RetryOn = [typeof(TransientError), typeof(TimeoutException)])]
    public static partial async Task<string> SendEmail(
        [TaskArgument("to_address")] string to,
        JobContext context,
        int retries = 3,
        string? subject = null,
        CancellationToken cancellationToken = default)
    {
        await Task.Yield();
        Received[nameof(SendEmail)] = (to, retries, subject, context.Job.Id, cancellationToken.CanBeCanceled);
        return "sent to " + to;
    }

    [Task(RetryStrategy = typeof(NeverRetry))]
    [Periodic("*/5 * * * *")]
    [Periodic("0 4 * * mon-fri 0", PeriodicId = "weekdays", Args = """{"extra": 1}""")]
    public static partial ValueTask Tick(long timestamp, int extra = 0)
    {
        Received[nameof(Tick)] = (timestamp, extra);
        return ValueTask.CompletedTask;
    }

    [Task]
    public static partial int NoArguments(CancellationToken cancellationToken) => 42;

    [Task]
    public static partial void TwoArguments(string name, int count) => Received[nameof(TwoArguments)] = (name, count);

    [Task]
    public static partial void CallsFromInside()
    {
        // Inside the declaring class the method name hides the handle; the fully qualified name reaches it.
        Received[nameof(CallsFromInside)] = global::Procrastinate.Generators.Tests.RoundTrip.WriteAlphabet.Name;
    }

    [Task]
    public static partial void WriteAlphabet(string letter) => Received[nameof(WriteAlphabet)] = letter;
}
