namespace Procrastinate;

/// <summary>
/// Defers the task on a cron schedule, evaluated in UTC. Five fields, or six with seconds first
/// (<c>"* * * * * *"</c> runs every second). Stack several with distinct <see cref="PeriodicId"/> values.
/// The task must declare a <c>long timestamp</c> parameter (PROC014): it receives the tick's Unix time.
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = true, Inherited = false)]
public sealed class PeriodicAttribute : Attribute
{
    /// <summary>Creates the schedule.</summary>
    public PeriodicAttribute(string cron)
    {
        Cron = cron;
    }

    /// <summary>The cron expression.</summary>
    public string Cron { get; }

    /// <summary>Distinguishes several schedules of one task; <c>""</c> by default, as in Procrastinate.</summary>
    public string PeriodicId { get; set; } = "";

    /// <summary>Extra arguments of the periodic job, as a JSON object (the <c>timestamp</c> key is added).</summary>
    public string? Args { get; set; }
}
