namespace Procrastinate.TestWorker;

/// <summary>The tasks of the test worker process; test processes register them too, to take over their jobs.</summary>
public static partial class BlockingTasks
{
    /// <summary>The <see cref="JobContext.AdditionalContext"/> key that makes <see cref="Block"/> wait until aborted.</summary>
    public const string HangKey = "testworker.hang";

    /// <summary>Prints <c>started &lt;job id&gt;</c>; then waits until aborted where <see cref="HangKey"/> is set, else ends.</summary>
    [Task(Name = "testworker.block", Retry = 1)]
    public static partial async Task Block(string marker, JobContext context, CancellationToken cancellationToken)
    {
        await Console.Out.WriteLineAsync($"started {context.Job.Id} {marker}").ConfigureAwait(false);
        await Console.Out.FlushAsync(cancellationToken).ConfigureAwait(false);
        if (context.AdditionalContext.ContainsKey(HangKey))
        {
            await Task.Delay(Timeout.Infinite, cancellationToken).ConfigureAwait(false);
        }
    }
}
