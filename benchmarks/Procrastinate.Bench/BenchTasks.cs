namespace Procrastinate.Bench;

/// <summary>What the running workload wants to know about the jobs its worker runs.</summary>
internal interface IJobProbe
{
    /// <summary>A job started; <paramref name="deferredAt"/> is the stopwatch timestamp its deferrer sent.</summary>
    void Started(JobContext context, long deferredAt);

    /// <summary>A job is about to end.</summary>
    void Ending(JobContext context);
}

/// <summary>The benchmark's tasks, declared as a user would: the generator writes their handles.</summary>
public static partial class BenchTasks
{
    private static IJobProbe? _probe;

    internal static IJobProbe? Probe
    {
        get => Volatile.Read(ref _probe);
        set => Volatile.Write(ref _probe, value);
    }

    /// <summary>A no-op job (W1, W2, W3, W5).</summary>
    [Task(Name = "bench.noop")]
    public static partial void NoOp(int n)
    {
    }

    /// <summary>Records when it started, against the stopwatch timestamp taken just before its defer call (W4).</summary>
    [Task(Name = "bench.timed")]
    public static partial void Timed(long deferredAt, JobContext context) => Probe?.Started(context, deferredAt);

    /// <summary>A no-op job that reports its start and end, so the workload can check its lock never overlaps (W6).</summary>
    [Task(Name = "bench.locked")]
    public static partial async ValueTask Locked(int n, JobContext context)
    {
        var probe = Probe;
        probe?.Started(context, 0);

        // Yield once so that two runs of one lock, were the store to hand them out together, would overlap.
        await Task.Yield();
        probe?.Ending(context);
    }
}
