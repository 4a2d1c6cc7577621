using System.Collections.Concurrent;
using System.Text.Json;

namespace Procrastinate.Testing.Tests.Sample;

/// <summary>Tasks that declare their own middleware (issue #19), recording what ran per key.</summary>
public static partial class MiddlewareTasks
{
    /// <summary>What ran, in order, per test key.</summary>
    public static ConcurrentDictionary<string, ConcurrentQueue<string>> Trail { get; } = new();

    /// <summary>Worker-wide middleware, to show that it wraps the task's own.</summary>
    public static JobMiddleware Worker { get; } = static (context, next) => AroundAsync("worker", context, next);

    // Outer is a method with JobMiddleware's signature, Inner a property of type JobMiddleware.
    // region: declare
    internal static ValueTask<object?> Outer(JobContext context, Func<ValueTask<object?>> next) => AroundAsync("outer", context, next);

    internal static JobMiddleware Inner { get; } = static (context, next) => AroundAsync("inner", context, next);

    [Task(Name = "testing.middleware.wrapped", Middleware = [nameof(Outer), nameof(Inner)])]
    public static partial string Wrapped(string key)
    {
        Trail[key].Enqueue("task");
        return key.ToUpperInvariant();
    }

    // endregion

    /// <summary>Refuses the job without calling the task.</summary>
    internal static ValueTask<object?> Refuse(JobContext context, Func<ValueTask<object?>> next)
    {
        Record(context, "refuse");
        throw new InvalidOperationException("refused by middleware");
    }

    [Task(Name = "testing.middleware.plain")]
    public static partial void Plain(string key) => Trail[key].Enqueue("task");

    [Task(Name = "testing.middleware.refused", Middleware = [nameof(Refuse)])]
    public static partial void Refused(string key) => Trail[key].Enqueue("task");

    private static async ValueTask<object?> AroundAsync(string name, JobContext context, Func<ValueTask<object?>> next)
    {
        Record(context, name + " before");
        var result = await next();
        Record(context, name + " after " + result);
        return result;
    }

    private static void Record(JobContext context, string what)
    {
        using var args = JsonDocument.Parse(context.Job.Args);
        Trail[args.RootElement.GetProperty("key").GetString()!].Enqueue(what);
    }
}
