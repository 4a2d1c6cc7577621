using Npgsql;
using NpgsqlTypes;

namespace Procrastinate.PostgreSql.Internal;

/// <summary>Small helpers to build commands with typed positional parameters and to read rows.</summary>
internal static class Sql
{
    public static NpgsqlCommand Command(NpgsqlConnection connection, string text, NpgsqlTransaction? transaction = null) =>
        new(text, connection, transaction);

    public static NpgsqlCommand With(this NpgsqlCommand command, NpgsqlDbType type, object? value)
    {
        command.Parameters.With(type, value);
        return command;
    }

    public static NpgsqlBatchCommand With(this NpgsqlBatchCommand command, NpgsqlDbType type, object? value)
    {
        command.Parameters.With(type, value);
        return command;
    }

    private static void With(this NpgsqlParameterCollection parameters, NpgsqlDbType type, object? value) =>
        parameters.Add(new NpgsqlParameter { NpgsqlDbType = type, Value = value ?? DBNull.Value });

    public static NpgsqlCommand WithFilter(this NpgsqlCommand command, Storage.JobFilter filter)
    {
        ArgumentNullException.ThrowIfNull(filter);
        return command
            .With(NpgsqlDbType.Bigint, filter.Id)
            .With(NpgsqlDbType.Varchar, filter.Queue)
            .With(NpgsqlDbType.Varchar, filter.TaskName)
            .With(NpgsqlDbType.Text, filter.Status?.ToName())
            .With(NpgsqlDbType.Text, filter.Lock)
            .With(NpgsqlDbType.Text, filter.QueueingLock)
            .With(NpgsqlDbType.Bigint, filter.WorkerId);
    }

    public static double Seconds(TimeSpan span) => span.TotalSeconds;

    /// <summary>Reads a row of the job columns (id, queue_name, task_name, priority, lock, queueing_lock, args, status, scheduled_at, attempts, abort_requested, worker_id).</summary>
    public static Job ReadJob(NpgsqlDataReader reader) => new()
    {
        Id = reader.GetInt64(0),
        Queue = reader.GetString(1),
        TaskName = reader.GetString(2),
        Priority = reader.GetInt32(3),
        Lock = reader.IsDBNull(4) ? null : reader.GetString(4),
        QueueingLock = reader.IsDBNull(5) ? null : reader.GetString(5),
        Args = reader.GetString(6),
        Status = JobStatusNames.Parse(reader.GetString(7)),
        ScheduledAt = reader.IsDBNull(8) ? null : reader.GetFieldValue<DateTimeOffset>(8),
        Attempts = reader.GetInt32(9),
        AbortRequested = reader.GetBoolean(10),
        WorkerId = reader.IsDBNull(11) ? null : reader.GetInt64(11),
    };

    public static async ValueTask<List<Job>> ReadJobsAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using (reader.ConfigureAwait(false))
        {
            return await ReadJobsAsync(reader, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Reads the job rows of the reader's current result.</summary>
    public static async ValueTask<List<Job>> ReadJobsAsync(NpgsqlDataReader reader, CancellationToken cancellationToken)
    {
        var jobs = new List<Job>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            jobs.Add(ReadJob(reader));
        }

        return jobs;
    }

    public static async ValueTask<List<long>> ReadIdsAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        var ids = new List<long>();
        var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using (reader.ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                ids.Add(reader.GetInt64(0));
            }
        }

        return ids;
    }

    public static async ValueTask<List<Storage.JobCounts>> ReadCountsAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        var counts = new List<Storage.JobCounts>();
        var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using (reader.ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                counts.Add(new Storage.JobCounts(
                    reader.GetString(0),
                    reader.GetInt64(1),
                    reader.GetInt64(2),
                    reader.GetInt64(3),
                    reader.GetInt64(4),
                    reader.GetInt64(5),
                    reader.GetInt64(6)));
            }
        }

        return counts;
    }
}
