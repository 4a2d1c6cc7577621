using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Procrastinate.Storage;

namespace Procrastinate.Testing.InMemory;

/// <content>Notifications to listeners.</content>
public sealed partial class InMemoryJobStore
{
    [LoggerMessage(Level = LogLevel.Warning, Message = "A notification callback failed (job {JobId}); the notification is dropped")]
    private static partial void LogCallbackFailed(ILogger logger, Exception exception, long jobId);

    /// <summary>One listener: notifications of its queues are queued and handed to its callback one at a time.</summary>
    private sealed class Subscription : IAsyncDisposable
    {
        private readonly InMemoryJobStore _store;
        private readonly HashSet<string>? _queues;
        private readonly Func<JobNotification, ValueTask> _onNotification;
        private readonly Channel<JobNotification> _pending = Channel.CreateUnbounded<JobNotification>(
            new UnboundedChannelOptions { SingleReader = true });

        private readonly Task _dispatch;

        public Subscription(InMemoryJobStore store, HashSet<string>? queues, Func<JobNotification, ValueTask> onNotification)
        {
            _store = store;
            _queues = queues;
            _onNotification = onNotification;
            _dispatch = Task.Run(DispatchAsync);
        }

        public void Offer(JobNotification notification, string queue)
        {
            if (_queues is null || _queues.Contains(queue))
            {
                _pending.Writer.TryWrite(notification);
            }
        }

        public async ValueTask DisposeAsync()
        {
            lock (_store._gate)
            {
                _store._subscriptions.Remove(this);
            }

            _pending.Writer.TryComplete();
            await _dispatch.ConfigureAwait(false);
        }

        private async Task DispatchAsync()
        {
            await foreach (var notification in _pending.Reader.ReadAllAsync().ConfigureAwait(false))
            {
                try
                {
                    await _onNotification(notification).ConfigureAwait(false);
                }
#pragma warning disable CA1031 // A failing callback must not stop the listener.
                catch (Exception e)
#pragma warning restore CA1031
                {
                    LogCallbackFailed(_store._logger, e, notification.JobId);
                }
            }
        }
    }
}
