using System.Threading.Channels;
using Npgsql;

namespace Procrastinate.PostgreSql.Tests.Infrastructure;

/// <summary>A plain Npgsql connection LISTENing on raw channels, recording (channel, payload) pairs.</summary>
public sealed class RawListener : IAsyncDisposable
{
    private readonly NpgsqlConnection _connection;
    private readonly Channel<(string Channel, string Payload)> _received = Channel.CreateUnbounded<(string, string)>();
    private readonly CancellationTokenSource _stop = new();
    private Task _loop = Task.CompletedTask;

    private RawListener(NpgsqlConnection connection)
    {
        _connection = connection;
    }

    public static async Task<RawListener> StartAsync(string connectionString, params string[] channels)
    {
        var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString);
        await connection.OpenAsync();
        var listener = new RawListener(connection);
        connection.Notification += (_, e) => listener._received.Writer.TryWrite((e.Channel, e.Payload));
        foreach (var channel in channels)
        {
            await using var command = new NpgsqlCommand($"LISTEN \"{channel}\"", connection);
            await command.ExecuteNonQueryAsync();
        }

        listener._loop = Task.Run(async () =>
        {
            try
            {
                while (!listener._stop.IsCancellationRequested)
                {
                    await connection.WaitAsync(listener._stop.Token);
                }
            }
            catch (OperationCanceledException)
            {
            }
        });
        return listener;
    }

    /// <summary>The next notification, waiting at most 10 s.</summary>
    public async Task<(string Channel, string Payload)> NextAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        return await _received.Reader.ReadAsync(timeout.Token);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _loop;
        await _connection.DisposeAsync();
        _stop.Dispose();
    }
}
