namespace Procrastinate.TestWorker;

/// <summary>A task whose run kills its process, for tests of the lost-worker bound (issue 18, item 2).</summary>
public static partial class LostWorkerTasks
{
    /// <summary>Prints <c>started &lt;job id&gt;</c>, then ends the process at once (no outcome, no unregistering).</summary>
    [Task(Name = "testworker.fail_fast", Retry = 2)]
    public static partial void KillProcess(string marker, JobContext context)
    {
        Console.Out.WriteLine($"started {context.Job.Id} {marker}");
        Console.Out.Flush();
        Environment.FailFast($"testworker.fail_fast: job {context.Job.Id} ends its process");
    }
}
