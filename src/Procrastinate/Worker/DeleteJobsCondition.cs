namespace Procrastinate;

/// <summary>Which finished jobs a worker deletes instead of keeping.</summary>
public enum DeleteJobsCondition
{
    /// <summary>Keep every finished job (Procrastinate's default).</summary>
    Never,

    /// <summary>Delete jobs that succeeded.</summary>
    Successful,

    /// <summary>Delete every finished job.</summary>
    Always,
}
