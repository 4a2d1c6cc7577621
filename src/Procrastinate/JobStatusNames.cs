namespace Procrastinate;

/// <summary>
/// Converts <see cref="JobStatus"/> to and from the lowercase names stored in the database and printed by the CLI.
/// </summary>
public static class JobStatusNames
{
    /// <summary>Returns the database name of <paramref name="status"/> (for example <c>"todo"</c>).</summary>
    public static string ToName(this JobStatus status) => status switch
    {
        JobStatus.Todo => "todo",
        JobStatus.Doing => "doing",
        JobStatus.Succeeded => "succeeded",
        JobStatus.Failed => "failed",
        JobStatus.Cancelled => "cancelled",
        JobStatus.Aborting => "aborting",
        JobStatus.Aborted => "aborted",
        _ => throw new ArgumentOutOfRangeException(nameof(status), status, "Unknown job status."),
    };

    /// <summary>Parses a database status name; returns <see langword="false"/> for an unknown name.</summary>
    public static bool TryParse(string? name, out JobStatus status)
    {
        switch (name)
        {
            case "todo": status = JobStatus.Todo; return true;
            case "doing": status = JobStatus.Doing; return true;
            case "succeeded": status = JobStatus.Succeeded; return true;
            case "failed": status = JobStatus.Failed; return true;
            case "cancelled": status = JobStatus.Cancelled; return true;
            case "aborting": status = JobStatus.Aborting; return true;
            case "aborted": status = JobStatus.Aborted; return true;
            default: status = default; return false;
        }
    }

    /// <summary>Parses a database status name, throwing <see cref="FormatException"/> for an unknown one.</summary>
    public static JobStatus Parse(string name) =>
        TryParse(name, out var status) ? status : throw new FormatException($"Unknown job status '{name}'.");
}
