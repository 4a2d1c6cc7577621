using System.Globalization;

namespace Procrastinate.TestWorker;

/// <summary>A long task that records each run's start and end in a file, for tests that look for overlapping runs.</summary>
public static partial class RecordingTasks
{
    /// <summary>
    /// Writes <c>start &lt;UTC ticks&gt;</c> to a file of its own in <paramref name="directory"/> (named
    /// <c>&lt;job id&gt;.&lt;run guid&gt;.run</c>), waits <paramref name="milliseconds"/> (or until aborted), then writes
    /// <c>end &lt;UTC ticks&gt;</c>, also when aborted.
    /// </summary>
    [Task(Name = "testworker.record", Retry = 3)]
    public static partial async Task RecordRun(string directory, int milliseconds, JobContext context, CancellationToken cancellationToken)
    {
        var path = Path.Combine(directory, $"{context.Job.Id}.{Guid.NewGuid():N}.run");
        await File.AppendAllTextAsync(path, Line("start"), CancellationToken.None).ConfigureAwait(false);
        try
        {
            await Task.Delay(milliseconds, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            await File.AppendAllTextAsync(path, Line("end"), CancellationToken.None).ConfigureAwait(false);
        }

        static string Line(string what) => string.Create(CultureInfo.InvariantCulture, $"{what} {DateTime.UtcNow.Ticks}\n");
    }
}
