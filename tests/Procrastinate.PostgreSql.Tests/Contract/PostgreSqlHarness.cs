using System.Globalization;
using Npgsql;
using Procrastinate.PostgreSql.Tests.Infrastructure;
using Procrastinate.Storage;
using Procrastinate.StoreContract;

namespace Procrastinate.PostgreSql.Tests.Contract;

/// <summary>
/// The PostgreSQL store under contract, on its class's database. Its clock is the server's <c>now()</c>, which cannot
/// be moved: <see cref="AdvanceTimeAsync"/> moves every stored time back instead (with triggers off, so that the
/// shift itself records nothing), which is the same to every comparison with <c>now()</c>.
/// </summary>
public sealed class PostgreSqlHarness(DatabaseFixture database) : IStoreHarness
{
    public IJobStore Store => database.Store;

    public TimeProvider Clock => TimeProvider.System;

    public Task ResetAsync() => database.ResetAsync();

    public async Task<DateTimeOffset> NowAsync() => new(await database.ScalarAsync<DateTime>("SELECT now()"), TimeSpan.Zero);

    public async Task AdvanceTimeAsync(TimeSpan duration)
    {
        var interval = $"make_interval(secs => {duration.TotalSeconds.ToString("R", CultureInfo.InvariantCulture)})";
        await using var connection = await database.Store.DataSource.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        foreach (var sql in new[]
                 {
                     "SET LOCAL session_replication_role = replica",
                     $"UPDATE procrastinate_jobs SET scheduled_at = scheduled_at - {interval} WHERE scheduled_at IS NOT NULL",
                     $"UPDATE procrastinate_workers SET last_heartbeat = last_heartbeat - {interval}",
                     $"UPDATE procrastinate_events SET at = at - {interval}",
                 })
        {
            await using var command = new NpgsqlCommand(sql, connection, transaction);
            await command.ExecuteNonQueryAsync();
        }

        await transaction.CommitAsync();
    }

    public async Task<IReadOnlyList<JobEvent>> EventsAsync(long jobId) =>
        await ReadAsync(
            "SELECT type::text, at FROM procrastinate_events WHERE job_id = $1 ORDER BY id",
            reader => new JobEvent(reader.GetString(0), reader.GetFieldValue<DateTimeOffset>(1)),
            jobId);

    public async Task<IReadOnlyList<WorkerRegistration>> WorkersAsync() =>
        await ReadAsync(
            "SELECT id, last_heartbeat FROM procrastinate_workers ORDER BY id",
            reader => new WorkerRegistration(reader.GetInt64(0), reader.GetFieldValue<DateTimeOffset>(1)));

    public async Task<IReadOnlyList<PeriodicClaim>> PeriodicClaimsAsync() =>
        await ReadAsync(
            "SELECT task_name, periodic_id, defer_timestamp, job_id FROM procrastinate_periodic_defers ORDER BY id",
            reader => new PeriodicClaim(reader.GetString(0), reader.GetString(1), reader.GetInt64(2), reader.IsDBNull(3) ? null : reader.GetInt64(3)));

    private async Task<List<T>> ReadAsync<T>(string sql, Func<NpgsqlDataReader, T> read, params object[] parameters)
    {
        await using var connection = await database.Store.DataSource.OpenConnectionAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var parameter in parameters)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = parameter });
        }

        var rows = new List<T>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            rows.Add(read(reader));
        }

        return rows;
    }
}
