namespace Procrastinate.PostgreSql.Tests.WorkerIntegration;

/// <summary>Tasks of the worker integration tests; each does what its test's <see cref="Probe"/> says.</summary>
public static partial class IntegrationTasks
{
    /// <summary>A task without retries.</summary>
    [Task(Name = "tests.work")]
    public static partial Task Work(int index, JobContext context, CancellationToken cancellationToken) =>
        Probe.Of(context).RunAsync(context, cancellationToken);

    /// <summary>The same with two retries.</summary>
    [Task(Name = "tests.work_with_retries", Retry = 2)]
    public static partial Task WorkWithRetries(int index, JobContext context, CancellationToken cancellationToken) =>
        Probe.Of(context).RunAsync(context, cancellationToken);
}
