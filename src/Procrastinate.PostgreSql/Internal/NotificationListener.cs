using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Npgsql;
using Procrastinate.Storage;

namespace Procrastinate.PostgreSql.Internal;

/// <summary>
/// LISTENs on one dedicated connection and hands each notification to a callback, one at a time. A lost connection
/// is logged and re-established in the background, with growing waits, until the listener is disposed.
/// </summary>
internal sealed partial class NotificationListener : IAsyncDisposable
{
    internal const string AnyQueueChannel = "procrastinate_any_queue_v1";
    internal const string QueueChannelPrefix = "procrastinate_queue_v1#";

    private readonly StoreConnections _connections;
    private readonly string _listenSql;
    private readonly Func<JobNotification, ValueTask> _onNotification;
    private readonly PostgreSqlJobStoreOptions _options;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Channel<JobNotification> _received = Channel.CreateUnbounded<JobNotification>(
        new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });

    private Task _listenLoop = Task.CompletedTask;
    private Task _dispatchLoop = Task.CompletedTask;
    private int _disposed;
    private int _connectionCount;

    public NotificationListener(
        StoreConnections connections,
        IReadOnlyList<string>? queues,
        Func<JobNotification, ValueTask> onNotification,
        PostgreSqlJobStoreOptions options,
        ILogger logger)
    {
        _connections = connections;
        _onNotification = onNotification;
        _options = options;
        _logger = logger;
        _listenSql = string.Join("; ", GetChannels(queues).Select(c => "LISTEN " + SqlIdentifier.Quote(c)));
    }

    /// <summary>How many times the listener connected (tests watch reconnections with it).</summary>
    public int ConnectionCount => Volatile.Read(ref _connectionCount);

    /// <summary>The channels for <paramref name="queues"/>: the any-queue channel for all queues, else one per queue.</summary>
    public static IReadOnlyList<string> GetChannels(IReadOnlyList<string>? queues) =>
        queues is null ? [AnyQueueChannel] : queues.Distinct(StringComparer.Ordinal).Select(q => QueueChannelPrefix + q).ToList();

    /// <summary>Parses a payload <c>{"type" : "...", "job_id" : n}</c>; <see langword="null"/> for anything else.</summary>
    public static JobNotification? ParsePayload(string payload)
    {
        try
        {
            var reader = new Utf8JsonReader(Encoding.UTF8.GetBytes(payload));
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return null;
            }

            string? type = null;
            long? jobId = null;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var property = reader.GetString();
                reader.Read();
                if (property == "type" && reader.TokenType == JsonTokenType.String)
                {
                    type = reader.GetString();
                }
                else if (property == "job_id" && reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out var id))
                {
                    jobId = id;
                }
                else
                {
                    reader.Skip();
                }
            }

            JobNotificationKind? kind = type switch
            {
                "job_inserted" => JobNotificationKind.JobInserted,
                "abort_job_requested" => JobNotificationKind.AbortRequested,
                _ => null,
            };
            return kind is null || jobId is null ? null : new JobNotification(kind.Value, jobId.Value);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>Makes the first attempt to listen (a failure is logged, not thrown) and starts the background loops.</summary>
    public async ValueTask StartAsync(CancellationToken cancellationToken)
    {
        NpgsqlConnection? connection = null;
        try
        {
            connection = await ConnectAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            LogListenFailed(e, _options.ListenerReconnectDelay);
        }

        cancellationToken.ThrowIfCancellationRequested();
        _dispatchLoop = Task.Run(DispatchAsync, CancellationToken.None);
        _listenLoop = Task.Run(() => ListenAsync(connection), CancellationToken.None);
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _stopping.CancelAsync().ConfigureAwait(false);
        await _listenLoop.ConfigureAwait(false);
        _received.Writer.TryComplete();
        await _dispatchLoop.ConfigureAwait(false);
        _stopping.Dispose();
    }

    private async Task<NpgsqlConnection> ConnectAsync(CancellationToken cancellationToken)
    {
        var connection = await _connections.OpenAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            connection.Notification += OnNotification;
            using var command = new NpgsqlCommand(_listenSql, connection);
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            Interlocked.Increment(ref _connectionCount);
            return connection;
        }
        catch
        {
            connection.Notification -= OnNotification;
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private async Task ListenAsync(NpgsqlConnection? connection)
    {
        var token = _stopping.Token;
        var delay = _options.ListenerReconnectDelay;
        try
        {
            while (!token.IsCancellationRequested)
            {
                if (connection is null)
                {
                    await Task.Delay(delay, token).ConfigureAwait(false);
                    try
                    {
                        connection = await ConnectAsync(token).ConfigureAwait(false);
                        delay = _options.ListenerReconnectDelay;
                        LogReconnected();
                        _received.Writer.TryWrite(new JobNotification(JobNotificationKind.ListeningResumed, 0));
                    }
                    catch (Exception e) when (!token.IsCancellationRequested)
                    {
                        delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, _options.ListenerMaxReconnectDelay.Ticks));
                        LogListenFailed(e, delay);
                        continue;
                    }
                }

                try
                {
                    if (!await connection.WaitAsync(_options.ListenerKeepAliveInterval, token).ConfigureAwait(false))
                    {
                        using var ping = new NpgsqlCommand("SELECT 1", connection);
                        await ping.ExecuteScalarAsync(token).ConfigureAwait(false);
                    }
                }
                catch (Exception e) when (!token.IsCancellationRequested)
                {
                    LogConnectionLost(e, delay);
                    await DropAsync(connection).ConfigureAwait(false);
                    connection = null;
                }
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            // Disposed.
        }
        finally
        {
            if (connection is not null)
            {
                await DropAsync(connection).ConfigureAwait(false);
            }
        }
    }

    private async Task DropAsync(NpgsqlConnection connection)
    {
        connection.Notification -= OnNotification;
        try
        {
            // The connection goes back to the pool: without UNLISTEN it would keep receiving (and buffering) this
            // listener's notifications for whoever opens it next (the pool skips Npgsql's reset on close).
            if (connection.State == System.Data.ConnectionState.Open)
            {
                using var unlisten = new NpgsqlCommand("UNLISTEN *", connection) { CommandTimeout = 5 };
                await unlisten.ExecuteNonQueryAsync(CancellationToken.None).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is NpgsqlException or IOException or InvalidOperationException)
        {
            LogCloseFailed(e);
        }

        try
        {
            await connection.DisposeAsync().ConfigureAwait(false);
        }
        catch (Exception e) when (e is NpgsqlException or IOException or InvalidOperationException)
        {
            LogCloseFailed(e);
        }
    }

    private void OnNotification(object sender, NpgsqlNotificationEventArgs e)
    {
        if (ParsePayload(e.Payload) is { } notification)
        {
            _received.Writer.TryWrite(notification);
        }
    }

    private async Task DispatchAsync()
    {
        await foreach (var notification in _received.Reader.ReadAllAsync(CancellationToken.None).ConfigureAwait(false))
        {
            try
            {
                await _onNotification(notification).ConfigureAwait(false);
            }
#pragma warning disable CA1031 // A failing callback must not stop the listener.
            catch (Exception e)
#pragma warning restore CA1031
            {
                LogCallbackFailed(e, notification.JobId);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Listening for job notifications failed; retrying in {Delay}")]
    private partial void LogListenFailed(Exception exception, TimeSpan delay);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The notification listener lost its connection; reconnecting in {Delay}")]
    private partial void LogConnectionLost(Exception exception, TimeSpan delay);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The notification listener reconnected")]
    private partial void LogReconnected();

    [LoggerMessage(Level = LogLevel.Debug, Message = "Closing a broken listener connection failed")]
    private partial void LogCloseFailed(Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "Handling the notification of job {JobId} failed")]
    private partial void LogCallbackFailed(Exception exception, long jobId);
}
