namespace Procrastinate.Storage;

/// <summary>A registered worker (a row of <c>procrastinate_workers</c>).</summary>
/// <param name="Id">The worker id.</param>
/// <param name="LastHeartbeat">When it last said it is alive.</param>
public sealed record WorkerRegistration(long Id, DateTimeOffset LastHeartbeat);
