namespace Procrastinate.PostgreSql;

/// <summary>When a migration runs relative to deploying the code that needs it.</summary>
public enum MigrationPhase
{
    /// <summary>Before the new code is deployed: only additions old code tolerates.</summary>
    Pre,

    /// <summary>After every old worker has stopped: removals and tightening.</summary>
    Post,
}
