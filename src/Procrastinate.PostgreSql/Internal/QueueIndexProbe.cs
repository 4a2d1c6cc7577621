using Microsoft.Extensions.Logging;
using Npgsql;

namespace Procrastinate.PostgreSql.Internal;

/// <summary>
/// Whether the database holds the queue index extension (<see cref="PostgreSqlSchemaManager.QueueIndexName"/>), so
/// one-queue fetches can use the statement that only that index serves well. Checked on first use and again once
/// <see cref="RecheckInterval"/> has passed, so running workers follow an index created or dropped meanwhile.
/// </summary>
internal sealed class QueueIndexProbe(ILogger logger)
{
    internal static readonly TimeSpan RecheckInterval = TimeSpan.FromMinutes(1);

    private long _checkedAt = long.MinValue;
    private volatile bool _present;

    public async ValueTask<bool> IsPresentAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        var now = Environment.TickCount64;
        var checkedAt = Interlocked.Read(ref _checkedAt);
        if (checkedAt != long.MinValue && now - checkedAt < (long)RecheckInterval.TotalMilliseconds)
        {
            return _present;
        }

        using var command = new NpgsqlCommand(SqlQueries.QueueIndexValid, connection);
        var present = await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is true;
        if (present != _present || checkedAt == long.MinValue)
        {
            StoreLog.QueueIndexChecked(logger, PostgreSqlSchemaManager.QueueIndexName, present);
        }

        _present = present;
        Interlocked.Exchange(ref _checkedAt, now);
        return present;
    }

    /// <summary>Checks again on the next fetch (the index was just created in this store's database).</summary>
    public void Forget() => Interlocked.Exchange(ref _checkedAt, long.MinValue);
}
