namespace Procrastinate.Tests.Scheduling;

/// <summary>Generated periodic tasks of the deferrer's unit tests; their bodies never run here.</summary>
public static partial class SchedulingTasks
{
    [Task(Name = "tests.every_second")]
    [Periodic("* * * * * *")]
    public static partial void EverySecond(long timestamp)
    {
    }

    [Task(Name = "tests.every_minute_no_timestamp")]
    [Periodic("* * * * *")]
    public static partial void EveryMinuteWithoutTimestamp()
    {
    }

    [Task(Name = "tests.labelled")]
    [Periodic("0 4 * * *", PeriodicId = "four", Args = """{"label": "at four"}""")]
    [Periodic("0 5 * * *", PeriodicId = "five", Args = """{"label": "at five"}""")]
    public static partial void Labelled(string label, long timestamp)
    {
    }

    // Its bad schedules are added by hand in the test: the generator refuses them at compile time (PROC015, PROC016).
    [Task(Name = "tests.bad_args")]
    public static partial void BadArgs(long timestamp)
    {
    }

    [Task(Name = "tests.locked", QueueingLock = "locked")]
    [Periodic("* * * * * *")]
    public static partial void LockedEverySecond(long timestamp)
    {
    }

    [Task(Name = "tests.paris")]
    [Periodic("30 2 * * *", TimeZone = "Europe/Paris")]
    public static partial void AtHalfPastTwoInParis(long timestamp)
    {
    }
}
