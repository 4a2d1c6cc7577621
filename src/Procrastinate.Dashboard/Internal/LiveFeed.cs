using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Procrastinate.Storage;

namespace Procrastinate.Dashboard.Internal;

/// <summary>
/// Live updates as server-sent events: each open page gets a <c>change</c> event when the store notifies (a job
/// inserted, an abort requested), and at least every poll interval otherwise, since a job that ends sends no
/// notification. The page then reloads what it shows. One store subscription serves every open page.
/// </summary>
internal sealed class LiveFeed(DashboardContext dashboard)
{
    /// <summary>Notifications closer together than this wake the pages once.</summary>
    private static readonly TimeSpan Debounce = TimeSpan.FromMilliseconds(250);

    private readonly object _gate = new();
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Task? _listening;

    public async Task StreamAsync(HttpContext http)
    {
        EnsureListening();

        var lifetime = dashboard.Services.GetService<IHostApplicationLifetime>();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(
            http.RequestAborted, lifetime?.ApplicationStopping ?? CancellationToken.None);
        var response = http.Response;
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache";
        response.Headers["X-Accel-Buffering"] = "no";
        try
        {
            await response.WriteAsync("retry: 2000\n\nevent: hello\ndata: {}\n\n", stop.Token).ConfigureAwait(false);
            await response.Body.FlushAsync(stop.Token).ConfigureAwait(false);
            while (!stop.IsCancellationRequested)
            {
                Task changed;
                lock (_gate)
                {
                    changed = _changed.Task;
                }

                var woken = await Task.WhenAny(changed, Task.Delay(dashboard.Options.PollInterval, stop.Token)).ConfigureAwait(false);
                await woken.ConfigureAwait(false);
                var reason = woken == changed ? "notify" : "poll";
                await response.WriteAsync($"event: change\ndata: {{\"reason\":\"{reason}\"}}\n\n", stop.Token).ConfigureAwait(false);
                await response.Body.FlushAsync(stop.Token).ConfigureAwait(false);
                await Task.Delay(Debounce, stop.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // The page went away or the app stops.
        }
    }

    private void EnsureListening()
    {
        lock (_gate)
        {
            _listening ??= ListenAsync();
        }
    }

    private async Task ListenAsync()
    {
        var logger = (dashboard.Services.GetService<ILoggerFactory>() ?? NullLoggerFactory.Instance).CreateLogger("Procrastinate.Dashboard");
        try
        {
            var subscription = await dashboard.App.Store.ListenAsync(null, OnNotificationAsync).ConfigureAwait(false);
            var lifetime = dashboard.Services.GetService<IHostApplicationLifetime>();
            lifetime?.ApplicationStopping.Register(() => _ = subscription.DisposeAsync().AsTask());
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Polling alone still updates the pages.
            logger.LogWarning(e, "The dashboard could not listen to the store's notifications; pages refresh by polling only.");
        }
    }

    private ValueTask OnNotificationAsync(JobNotification notification)
    {
        TaskCompletionSource changed;
        lock (_gate)
        {
            changed = _changed;
            _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        changed.TrySetResult();
        return ValueTask.CompletedTask;
    }
}
