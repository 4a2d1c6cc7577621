using Microsoft.Extensions.Logging;
using Npgsql;

namespace Procrastinate.PostgreSql.Internal;

/// <summary>
/// Whether the database holds one of Procrastinate for .NET's opt-in extensions (the queue index, the error table),
/// which the store uses only when present. Checked on first use and again once <see cref="RecheckInterval"/> has
/// passed, so running workers follow an extension created or dropped meanwhile.
/// </summary>
/// <param name="logger">Where each change of the answer is logged.</param>
/// <param name="name">The extension's object, as the log names it.</param>
/// <param name="presentSql">A statement answering <see langword="true"/> when the object exists and is usable.</param>
/// <param name="use">What the store does with it, as the log says.</param>
/// <param name="nameIsParameter">Whether <paramref name="presentSql"/> takes <paramref name="name"/> as <c>$1</c>.</param>
internal sealed class ExtensionProbe(ILogger logger, string name, string presentSql, string use, bool nameIsParameter = false)
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

        using var command = new NpgsqlCommand(presentSql, connection);
        if (nameIsParameter)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = name });
        }

        var present = await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is true;
        if (present != _present || checkedAt == long.MinValue)
        {
            StoreLog.ExtensionChecked(logger, name, present, use);
        }

        _present = present;
        Interlocked.Exchange(ref _checkedAt, now);
        return present;
    }

    /// <summary>Checks again on the next use (the extension was just created, or found missing, in this store's database).</summary>
    public void Forget() => Interlocked.Exchange(ref _checkedAt, long.MinValue);
}
