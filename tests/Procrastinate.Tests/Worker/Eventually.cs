namespace Procrastinate.Tests.Workers;

/// <summary>Bounded waits for what background loops do.</summary>
internal static class Eventually
{
    public static async Task TrueAsync(Func<Task<bool>> condition, string what, TimeSpan? limit = null)
    {
        var deadline = DateTime.UtcNow + (limit ?? WorkerTestKit.WaitLimit);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Gave up waiting for {what}.");
            }

            await Task.Delay(10);
        }
    }

    public static Task TrueAsync(Func<bool> condition, string what, TimeSpan? limit = null) =>
        TrueAsync(() => Task.FromResult(condition()), what, limit);
}
