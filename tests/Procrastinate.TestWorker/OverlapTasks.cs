namespace Procrastinate.TestWorker;

/// <summary>A synchronous task whose runs must overlap: each blocks its thread until all have started.</summary>
public static partial class OverlapTasks
{
    /// <summary>How long a run waits for the others before it fails.</summary>
    public static readonly TimeSpan BarrierLimit = TimeSpan.FromSeconds(60);

    private static readonly ManualResetEventSlim AllArrived = new();
    private static int _arrived;

    /// <summary>
    /// Blocks (a synchronous wait, no await) until <paramref name="parties"/> runs have arrived in this process, then
    /// prints <c>overlapped &lt;job id&gt;</c>; fails after <see cref="BarrierLimit"/>.
    /// </summary>
    [Task(Name = "testworker.overlap")]
    public static partial void Overlap(int parties, JobContext context)
    {
        if (Interlocked.Increment(ref _arrived) >= parties)
        {
            AllArrived.Set();
        }

        if (!AllArrived.Wait(BarrierLimit))
        {
            throw new TimeoutException($"Only {Volatile.Read(ref _arrived)} of {parties} runs were ever running at once.");
        }

        Console.Out.WriteLine($"overlapped {context.Job.Id}");
        Console.Out.Flush();
    }
}
