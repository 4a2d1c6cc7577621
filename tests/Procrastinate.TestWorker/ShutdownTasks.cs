namespace Procrastinate.TestWorker;

/// <summary>Tasks that ignore their abort, for tests of a bounded shutdown.</summary>
public static partial class ShutdownTasks
{
    /// <summary>Prints <c>started &lt;job id&gt;</c>, then sleeps ten minutes without looking at its token.</summary>
    [Task(Name = "testworker.ignore_abort")]
    public static partial async Task IgnoreAbort(string marker, JobContext context)
    {
        await Console.Out.WriteLineAsync($"started {context.Job.Id} {marker}").ConfigureAwait(false);
        await Console.Out.FlushAsync().ConfigureAwait(false);
        await Task.Delay(TimeSpan.FromMinutes(10)).ConfigureAwait(false);
    }

    /// <summary><see cref="IgnoreAbort"/> with retries.</summary>
    [Task(Name = "testworker.ignore_abort_retried", Retry = 3)]
    public static partial async Task IgnoreAbortRetried(string marker, JobContext context)
    {
        await Console.Out.WriteLineAsync($"started {context.Job.Id} {marker}").ConfigureAwait(false);
        await Console.Out.FlushAsync().ConfigureAwait(false);
        await Task.Delay(TimeSpan.FromMinutes(10)).ConfigureAwait(false);
    }
}
