using System.Data.Common;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using NpgsqlTypes;
using Procrastinate.PostgreSql.Internal;
using Procrastinate.Storage;

namespace Procrastinate.PostgreSql;

/// <summary>
/// The PostgreSQL job store: Procrastinate 3.9's database contract (SCHEMA.md) over Npgsql, so .NET and Python
/// Procrastinate can share one database. It is also the job manager for administration (listing, cancelling,
/// retrying, cleaning up). Safe for concurrent use; dispose it to close the connection pool it owns.
/// </summary>
public sealed class PostgreSqlJobStore : IJobStore, IAsyncDisposable
{
    /// <summary>The longest queue name, in UTF-8 bytes: longer ones make the notification channel name too long.</summary>
    public const int MaxQueueNameBytes = JobRules.MaxQueueNameBytes;

    /// <summary>The longest task name, in characters (the column is <c>varchar(128)</c>).</summary>
    public const int MaxTaskNameLength = JobRules.MaxTaskNameLength;

    private const int FetchAttempts = 3;

    /// <summary>How many times a stalled-job sweep runs when queueing locks are taken while it runs.</summary>
    private const int StalledJobsSweeps = 3;

    private readonly StoreConnections _connections;
    private readonly PostgreSqlJobStoreOptions _options;
    private readonly ILogger _listenerLogger;
    private readonly ILogger _logger;
    private readonly ExtensionProbe _queueIndex;
    private readonly ExtensionProbe _jobErrors;

    /// <summary>Creates a store from a connection string (see <see cref="PostgreSqlJobStoreOptions.ConnectionString"/>).</summary>
    public PostgreSqlJobStore(string connectionString, string? schema = null)
        : this(new PostgreSqlJobStoreOptions { ConnectionString = connectionString, Schema = schema })
    {
    }

    /// <summary>Creates a store on a data source the caller owns.</summary>
    public PostgreSqlJobStore(NpgsqlDataSource dataSource)
        : this(new PostgreSqlJobStoreOptions { DataSource = dataSource ?? throw new ArgumentNullException(nameof(dataSource)) })
    {
    }

    /// <summary>Creates a store from options.</summary>
    /// <exception cref="ArgumentException">Both a connection string and a data source, or a schema with a data source.</exception>
    public PostgreSqlJobStore(PostgreSqlJobStoreOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        _connections = new StoreConnections(options);
        var loggerFactory = options.LoggerFactory ?? NullLoggerFactory.Instance;
        _listenerLogger = loggerFactory.CreateLogger("Procrastinate.PostgreSql.Listener");
        _logger = loggerFactory.CreateLogger("Procrastinate.PostgreSql");
        _queueIndex = new ExtensionProbe(
            _logger, PostgreSqlSchemaManager.QueueIndexName, SqlQueries.OwnIndexValid, "one-queue fetches use it", nameIsParameter: true);
        _jobErrors = new ExtensionProbe(_logger, StoreConnections.JobErrorTable, SqlQueries.JobErrorsPresent, "failed attempts record their error in it");
        Schema = new PostgreSqlSchemaManager(_connections, _queueIndex, _jobErrors);
    }

    /// <summary>The data source the store uses.</summary>
    /// <remarks>
    /// A data source the store built from a connection string does not reset connections when they return to the
    /// pool (unless the connection string sets <c>No Reset On Close</c>): leave no session state (<c>SET</c>,
    /// <c>LISTEN</c>, temporary tables) on connections taken from it.
    /// </remarks>
    public NpgsqlDataSource DataSource => _connections.DataSource;

    /// <summary>Applies, prints and checks the schema in this store's database and search path.</summary>
    public PostgreSqlSchemaManager Schema { get; }

    /// <summary>Creates the schema; see <see cref="PostgreSqlSchemaManager.ApplySchemaAsync"/>.</summary>
    /// <exception cref="ProcrastinateException">The schema is already there, or the server is unreachable.</exception>
    public Task ApplySchemaAsync(CancellationToken cancellationToken = default) => Schema.ApplySchemaAsync(cancellationToken);

    /// <inheritdoc />
    public async ValueTask<IReadOnlyList<long>> DeferJobsAsync(
        IReadOnlyList<JobToDefer> jobs,
        DbTransaction? transaction = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(jobs);
        foreach (var job in jobs)
        {
            Validate(job);
        }

        NpgsqlTransaction? npgsqlTransaction = null;
        if (transaction is not null)
        {
            npgsqlTransaction = transaction as NpgsqlTransaction ?? throw new NotSupportedException(
                $"The PostgreSQL store joins Npgsql transactions only, not {transaction.GetType().Name}.");
            if (npgsqlTransaction.Connection is null)
            {
                throw new InvalidOperationException("The transaction is already committed or rolled back.");
            }
        }

        if (jobs.Count == 0)
        {
            return [];
        }

        if (npgsqlTransaction is not null)
        {
            return await InsertAsync(npgsqlTransaction.Connection!, npgsqlTransaction, jobs, cancellationToken).ConfigureAwait(false);
        }

        var connection = await _connections.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            return await InsertAsync(connection, null, jobs, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <inheritdoc />
    /// <remarks>
    /// Calls <c>procrastinate_defer_periodic_job_v2</c>, which deletes the claims older than the tick it defers; so
    /// that a late worker cannot claim such an old tick again, the defer is refused once the same or a later tick of
    /// the schedule is claimed, under a transaction-scoped advisory lock per schedule that .NET workers share.
    /// </remarks>
    public async ValueTask<long?> DeferPeriodicJobAsync(
        JobToDefer job,
        string periodicId,
        long deferTimestamp,
        CancellationToken cancellationToken = default)
    {
        Validate(job);
        ArgumentNullException.ThrowIfNull(periodicId);
        return await RunAsync(
            async connection =>
            {
                var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
                await using (transaction.ConfigureAwait(false))
                {
                    using (var command = Sql.Command(connection, SqlQueries.LockPeriodicSchedule, transaction)
                               .With(NpgsqlDbType.Text, job.TaskName)
                               .With(NpgsqlDbType.Text, periodicId))
                    {
                        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                    }

                    object? id;
                    using (var command = Sql.Command(connection, SqlQueries.DeferPeriodicJob, transaction)
                               .With(NpgsqlDbType.Varchar, job.Queue)
                               .With(NpgsqlDbType.Varchar, job.Lock)
                               .With(NpgsqlDbType.Varchar, job.QueueingLock)
                               .With(NpgsqlDbType.Varchar, job.TaskName)
                               .With(NpgsqlDbType.Integer, job.Priority)
                               .With(NpgsqlDbType.Varchar, periodicId)
                               .With(NpgsqlDbType.Bigint, deferTimestamp)
                               .With(NpgsqlDbType.Text, job.Args))
                    {
                        id = await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
                    }

                    if (id is long deferred && _options.StoreTraceContext && job.TraceParent is { } traceParent)
                    {
                        using var command = Sql.Command(connection, SqlQueries.InsertTraceContext, transaction)
                            .With(NpgsqlDbType.Bigint, deferred)
                            .With(NpgsqlDbType.Text, traceParent)
                            .With(NpgsqlDbType.Text, job.TraceState);
                        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                    }

                    await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                    return id is long value ? value : (long?)null;
                }
            },
            cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    /// <remarks>
    /// One statement takes the whole batch with the choice <c>procrastinate_fetch_job_v2</c> would make one job at a
    /// time (never two jobs with the same lock); jobs are returned by priority, then id.
    /// </remarks>
    public ValueTask<IReadOnlyList<Job>> FetchJobsAsync(FetchJobsParams parameters, CancellationToken cancellationToken = default) =>
        FinishAndFetchJobsAsync([], parameters, cancellationToken);

    /// <inheritdoc />
    /// <remarks>
    /// One round trip and one transaction: the completions are applied first (as <see cref="FinishJobsAsync"/> does),
    /// then the fetch of <see cref="FetchJobsAsync"/> runs and sees them, so a lock they release can be taken at once.
    /// If anything fails, nothing is recorded and nothing is taken.
    /// </remarks>
    /// <exception cref="InvalidOperationException">A job does not exist or is neither waiting nor running; nothing changed.</exception>
    /// <exception cref="WorkerNotRegisteredException">The worker is not registered and there is a job to take.</exception>
    public async ValueTask<IReadOnlyList<Job>> FinishAndFetchJobsAsync(
        IReadOnlyList<JobCompletion> completions,
        FetchJobsParams parameters,
        CancellationToken cancellationToken = default)
    {
        ValidateCompletions(completions);
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentOutOfRangeException.ThrowIfLessThan(parameters.Limit, 1, nameof(parameters));
        completions = WithoutRepeatedFenced(completions);
        var queues = parameters.Queues?.Distinct(StringComparer.Ordinal).ToArray();
        return await RunAsync(
            async connection =>
            {
                // A set of queues (not all of them): the queue index, when there, gives each queue's jobs in order, so
                // the fetch reads those queues only (queries.sql). All queues: the contract's priority index already
                // does, through a statement without the queue condition (see SqlQueries.FetchJobsOfAllQueues).
                var fetch = queues is null
                    ? SqlQueries.FetchJobsOfAllQueues(parameters.Limit)
                    : queues is { Length: > 0 and <= SqlQueries.MaxIndexedQueues }
                            && await _queueIndex.IsPresentAsync(connection, cancellationToken).ConfigureAwait(false)
                    ? queues.Length == 1
                        ? SqlQueries.FetchJobs(parameters.Limit, oneQueue: true)
                        : SqlQueries.FetchJobsOfQueues(queues.Length, parameters.Limit)
                    : SqlQueries.FetchJobs(parameters.Limit);
                var failures = Failures(completions);
                for (var attempt = 1; ; attempt++)
                {
                    try
                    {
                        List<Job> jobs;
                        var errors = await ErrorsCommandAsync(connection, failures, cancellationToken).ConfigureAwait(false);

                        // One batch is one implicit transaction: a failing statement rolls back the whole batch.
                        var batch = new NpgsqlBatch(connection);
                        var returnsDropped = false;
                        List<long> dropped = [];
                        await using (batch.ConfigureAwait(false))
                        {
                            batch.BatchCommands.Add(new NpgsqlBatchCommand(SqlQueries.JitOff));
                            if (completions.Count > 0)
                            {
                                (var finish, returnsDropped) = FinishCommand(completions);
                                batch.BatchCommands.Add(finish);
                            }

                            if (errors is not null)
                            {
                                batch.BatchCommands.Add(errors);
                            }

                            batch.BatchCommands.Add(new NpgsqlBatchCommand(fetch)
                                .With(NpgsqlDbType.Array | NpgsqlDbType.Varchar, queues)
                                .With(NpgsqlDbType.Bigint, parameters.WorkerId)
                                .With(NpgsqlDbType.Integer, parameters.Limit));
                            var reader = await batch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                            await using (reader.ConfigureAwait(false))
                            {
                                // Past jit_off's result.
                                await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
                                if (returnsDropped)
                                {
                                    dropped = await ReadIdsAsync(reader, cancellationToken).ConfigureAwait(false);
                                }

                                for (var i = 2; i < batch.BatchCommands.Count; i++)
                                {
                                    await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
                                }

                                jobs = await Sql.ReadJobsAsync(reader, cancellationToken).ConfigureAwait(false);
                            }
                        }

                        LogDropped(completions, dropped);

                        if (_options.StoreTraceContext && jobs.Count > 0)
                        {
                            await AddTraceContextsAsync(connection, jobs).ConfigureAwait(false);
                        }

                        jobs.Sort(static (a, b) => a.Priority != b.Priority ? b.Priority.CompareTo(a.Priority) : a.Id.CompareTo(b.Id));
                        return (IReadOnlyList<Job>)jobs;
                    }
                    catch (PostgresException e) when (failures.Count > 0 && IsJobErrorTableMissing(e))
                    {
                        // The error table was dropped since the store found it: the outcomes go without their errors.
                        _jobErrors.Forget();
                        failures = [];
                    }
                    catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.ForeignKeyViolation)
                    {
                        // The only foreign key a fetch writes is the job's worker_id: this worker's row is gone.
                        throw new WorkerNotRegisteredException(parameters.WorkerId, e);
                    }
                    catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UniqueViolation
                                                      && e.ConstraintName == "procrastinate_jobs_lock_idx_v1"
                                                      && attempt < FetchAttempts)
                    {
                        // A concurrent fetch started a job with the same lock after this statement's snapshot; the
                        // unique index refused the second one. Fetch again with a fresh snapshot.
                    }
                }
            },
            cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    /// <remarks>
    /// All completions are applied in one statement, all or nothing, except a worker's own completions whose job no
    /// longer runs on it (<see cref="JobCompletion.WorkerId"/>): those are dropped with a warning.
    /// </remarks>
    /// <exception cref="InvalidOperationException">A job does not exist or is neither waiting nor running; nothing changed.</exception>
    public async ValueTask FinishJobsAsync(IReadOnlyList<JobCompletion> completions, CancellationToken cancellationToken = default)
    {
        ValidateCompletions(completions);
        if (completions.Count == 0)
        {
            return;
        }

        completions = WithoutRepeatedFenced(completions);
        var dropped = await RunAsync(
            connection => ExecuteWithErrorsAsync(connection, () => FinishCommand(completions), Failures(completions), cancellationToken),
            cancellationToken).ConfigureAwait(false);
        LogDropped(completions, dropped);
    }

    /// <inheritdoc />
    public async ValueTask RetryJobAsync(RetryJobParams parameters, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        if (parameters.Queue is not null)
        {
            JobRules.ValidateQueueName(parameters.Queue, nameof(parameters));
        }

        try
        {
            var dropped = await RunAsync(
                connection => ExecuteWithErrorsAsync(
                    connection,
                    () => RetryCommand(parameters),
                    parameters.Error is null ? [] : [(parameters.JobId, parameters.Error)],
                    cancellationToken),
                cancellationToken).ConfigureAwait(false);
            if (dropped.Count > 0)
            {
                OutcomeFence.Dropped(_logger, "retry", parameters.JobId, parameters.WorkerId!.Value);
            }
        }
        catch (AlreadyEnqueuedException e) when (e.QueueingLock is null)
        {
            throw await NameConflictingLockAsync(e, [parameters.JobId], cancellationToken).ConfigureAwait(false);
        }
    }

    /// <inheritdoc />
    public async ValueTask<bool> CancelJobAsync(long jobId, bool abort = false, bool delete = false, CancellationToken cancellationToken = default) =>
        await RunAsync(
            async connection =>
            {
                using var command = Sql.Command(connection, SqlQueries.CancelJob)
                    .With(NpgsqlDbType.Bigint, jobId)
                    .With(NpgsqlDbType.Boolean, abort)
                    .With(NpgsqlDbType.Boolean, delete);
                return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is long;
            },
            cancellationToken).ConfigureAwait(false);

    /// <inheritdoc />
    public async ValueTask<JobStatus?> GetJobStatusAsync(long jobId, CancellationToken cancellationToken = default) =>
        await RunAsync(
            async connection =>
            {
                using var command = Sql.Command(connection, SqlQueries.GetJobStatus).With(NpgsqlDbType.Bigint, jobId);
                return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is string status
                    ? JobStatusNames.Parse(status)
                    : (JobStatus?)null;
            },
            cancellationToken).ConfigureAwait(false);

    /// <inheritdoc />
    public async ValueTask<IReadOnlyList<long>> ListJobsToAbortAsync(string? queue = null, CancellationToken cancellationToken = default) =>
        await RunAsync(
            async connection =>
            {
                using var command = Sql.Command(connection, SqlQueries.ListJobsToAbort).With(NpgsqlDbType.Varchar, queue);
                return (IReadOnlyList<long>)await Sql.ReadIdsAsync(command, cancellationToken).ConfigureAwait(false);
            },
            cancellationToken).ConfigureAwait(false);

    /// <inheritdoc />
    public async ValueTask<long> RegisterWorkerAsync(CancellationToken cancellationToken = default) =>
        await RunAsync(
            async connection =>
            {
                using var command = Sql.Command(connection, SqlQueries.RegisterWorker);
                return (long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
            },
            cancellationToken).ConfigureAwait(false);

    /// <inheritdoc />
    public ValueTask UnregisterWorkerAsync(long workerId, CancellationToken cancellationToken = default) =>
        ExecuteAsync(SqlQueries.UnregisterWorker, workerId, cancellationToken);

    /// <inheritdoc />
    public ValueTask UpdateHeartbeatAsync(long workerId, CancellationToken cancellationToken = default) =>
        ExecuteAsync(SqlQueries.UpdateHeartbeat, workerId, cancellationToken);

    /// <inheritdoc />
    public async ValueTask<IReadOnlyList<long>> PruneStalledWorkersAsync(TimeSpan olderThan, CancellationToken cancellationToken = default) =>
        await RunAsync(
            async connection =>
            {
                using var command = Sql.Command(connection, SqlQueries.PruneStalledWorkers)
                    .With(NpgsqlDbType.Double, Sql.Seconds(olderThan));
                return (IReadOnlyList<long>)await Sql.ReadIdsAsync(command, cancellationToken).ConfigureAwait(false);
            },
            cancellationToken).ConfigureAwait(false);

    /// <inheritdoc />
    public async ValueTask<IReadOnlyList<Job>> GetStalledJobsAsync(
        TimeSpan sinceHeartbeat,
        string? queue = null,
        string? taskName = null,
        CancellationToken cancellationToken = default) =>
        await RunAsync(
            async connection =>
            {
                using var command = Sql.Command(connection, SqlQueries.SelectStalledJobs)
                    .With(NpgsqlDbType.Double, Sql.Seconds(sinceHeartbeat))
                    .With(NpgsqlDbType.Varchar, queue)
                    .With(NpgsqlDbType.Varchar, taskName);
                return (IReadOnlyList<Job>)await Sql.ReadJobsAsync(command, cancellationToken).ConfigureAwait(false);
            },
            cancellationToken).ConfigureAwait(false);

    /// <inheritdoc />
    /// <remarks>
    /// One transaction of two statements: the first locks and reads the stalled rows nobody else holds
    /// (<c>SKIP LOCKED</c>), then <paramref name="retry"/> decides each job, then the second statement checks the stalled
    /// condition again with a fresh snapshot on rows nobody else can change, and records each decision like
    /// <c>procrastinate_retry_job_v2</c> or <c>procrastinate_finish_job_v1</c> (an abort-requested job fails, and so does
    /// a job to retry whose queueing lock is taken). A job that another worker already retried, even if a live worker
    /// fetched it since, is left alone. When a job deferred or retried meanwhile takes a queueing lock after the
    /// second statement's snapshot, the transaction is rolled back and the sweep runs again, which sees that job.
    /// </remarks>
    /// <exception cref="AlreadyEnqueuedException">Queueing locks kept being taken during every one of the sweeps.</exception>
    public async ValueTask<IReadOnlyList<StalledJobRecovery>> RetryStalledJobsAsync(
        TimeSpan sinceHeartbeat,
        Func<Job, RetryJobParams?>? retry = null,
        CancellationToken cancellationToken = default) =>
        await RunAsync(
            async connection =>
            {
                for (var sweep = 1; ; sweep++)
                {
                    var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
                    await using (transaction.ConfigureAwait(false))
                    {
                        List<Job> locked;
                        using (var command = Sql.Command(connection, SqlQueries.LockStalledJobs, transaction)
                                         .With(NpgsqlDbType.Double, Sql.Seconds(sinceHeartbeat)))
                        {
                            locked = await Sql.ReadJobsAsync(command, cancellationToken).ConfigureAwait(false);
                        }

                        if (locked.Count == 0)
                        {
                            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                            return (IReadOnlyList<StalledJobRecovery>)[];
                        }

                        // Without a decider every job runs again now, by the server's clock (a NULL time).
                        var decisions = locked.Select(job => job.AbortRequested || retry is null ? null : DecideStalled(job, retry)).ToList();
                        var retried = locked.Select((job, i) => !job.AbortRequested && (retry is null || decisions[i] is not null)).ToArray();
                        var handled = new List<StalledJobRecovery>(locked.Count);
                        using (var command = Sql.Command(connection, SqlQueries.RetryLockedStalledJobs, transaction)
                                         .With(NpgsqlDbType.Double, Sql.Seconds(sinceHeartbeat))
                                         .With(NpgsqlDbType.Array | NpgsqlDbType.Bigint, locked.Select(j => j.Id).ToArray())
                                         .With(NpgsqlDbType.Array | NpgsqlDbType.Boolean, retried)
                                         .With(NpgsqlDbType.Array | NpgsqlDbType.TimestampTz, decisions.Select(d => d?.RetryAt.ToUniversalTime()).ToArray())
                                         .With(NpgsqlDbType.Array | NpgsqlDbType.Integer, decisions.Select(d => d?.Priority).ToArray())
                                         .With(NpgsqlDbType.Array | NpgsqlDbType.Varchar, decisions.Select(d => d?.Queue).ToArray())
                                         .With(NpgsqlDbType.Array | NpgsqlDbType.Varchar, decisions.Select(d => d?.Lock).ToArray()))
                        {
                            try
                            {
                                var byId = locked.ToDictionary(j => j.Id);
                                var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                                await using (reader.ConfigureAwait(false))
                                {
                                    while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                                    {
                                        handled.Add(new StalledJobRecovery(byId[reader.GetInt64(0)], JobStatusNames.Parse(reader.GetString(1))));
                                    }
                                }
                            }
                            catch (PostgresException e) when (_connections.Translate(e) is AlreadyEnqueuedException { QueueingLock: null } conflict)
                            {
                                await transaction.RollbackAsync(cancellationToken).ConfigureAwait(false);
                                if (sweep < StalledJobsSweeps)
                                {
                                    continue;
                                }

                                throw await NameConflictingLockAsync(conflict, locked.Select(j => j.Id).ToList(), cancellationToken).ConfigureAwait(false);
                            }
                        }

                        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                        return handled;
                    }
                }
            },
            cancellationToken).ConfigureAwait(false);

    /// <summary>The caller's decision for a stalled job, checked.</summary>
    private static RetryJobParams? DecideStalled(Job job, Func<Job, RetryJobParams?> retry)
    {
        var decision = retry(job);
        if (decision is not null && decision.JobId != job.Id)
        {
            throw new ArgumentException($"The retry decision for stalled job {job.Id} names job {decision.JobId}.", nameof(retry));
        }

        return decision;
    }

    /// <inheritdoc />
    public async ValueTask<int> DeleteOldJobsAsync(DeleteOldJobsParams parameters, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        var statuses = new List<string> { JobStatus.Succeeded.ToName() };
        if (parameters.IncludeFailed)
        {
            statuses.Add(JobStatus.Failed.ToName());
        }

        if (parameters.IncludeCancelled)
        {
            statuses.Add(JobStatus.Cancelled.ToName());
        }

        if (parameters.IncludeAborted)
        {
            statuses.Add(JobStatus.Aborted.ToName());
        }

        return await RunAsync(
            async connection =>
            {
                using var command = Sql.Command(connection, SqlQueries.DeleteOldJobs)
                    .With(NpgsqlDbType.Double, Sql.Seconds(parameters.MaxAge))
                    .With(NpgsqlDbType.Array | NpgsqlDbType.Text, statuses.ToArray())
                    .With(NpgsqlDbType.Varchar, parameters.Queue);
                return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            },
            cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask<IReadOnlyList<Job>> ListJobsAsync(JobFilter filter, CancellationToken cancellationToken = default)
    {
        JobFilter.ThrowIfInvalidListing(filter);
        return await RunAsync(
            async connection =>
            {
                using var command = Sql.Command(connection, filter.Descending ? SqlQueries.ListJobsDescending : SqlQueries.ListJobs)
                    .WithFilter(filter)
                    .With(NpgsqlDbType.Bigint, filter.AfterId)
                    .With(NpgsqlDbType.Bigint, filter.BeforeId)
                    .With(NpgsqlDbType.Integer, filter.Limit);
                return (IReadOnlyList<Job>)await Sql.ReadJobsAsync(command, cancellationToken).ConfigureAwait(false);
            },
            cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<JobCounts>> ListQueuesAsync(JobFilter filter, CancellationToken cancellationToken = default) =>
        CountAsync(SqlQueries.ListQueues, filter, cancellationToken);

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<JobCounts>> ListTasksAsync(JobFilter filter, CancellationToken cancellationToken = default) =>
        CountAsync(SqlQueries.ListTasks, filter, cancellationToken);

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<JobCounts>> ListLocksAsync(JobFilter filter, CancellationToken cancellationToken = default) =>
        CountAsync(SqlQueries.ListLocks, filter, cancellationToken);

    /// <inheritdoc />
    /// <remarks>
    /// <see langword="null"/> while <c>procrastinate_dotnet_job_errors</c> does not exist (see
    /// <see cref="PostgreSqlSchemaManager.ApplyJobErrorTableAsync"/>); the texts are the recorded ones, with this
    /// store's connection secrets already removed.
    /// </remarks>
    public async ValueTask<IReadOnlyList<JobAttemptError>?> ListJobErrorsAsync(long jobId, CancellationToken cancellationToken = default) =>
        await RunAsync(
            async connection =>
            {
                using var command = Sql.Command(connection, SqlQueries.ListJobErrors).With(NpgsqlDbType.Bigint, jobId);
                var errors = new List<JobAttemptError>();
                try
                {
                    var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                    await using (reader.ConfigureAwait(false))
                    {
                        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                        {
                            errors.Add(new JobAttemptError(
                                reader.GetInt32(0),
                                reader.GetFieldValue<DateTimeOffset>(1),
                                new JobError(reader.GetString(2), reader.GetString(3), reader.IsDBNull(4) ? null : reader.GetString(4))));
                        }
                    }
                }
                catch (PostgresException e) when (IsJobErrorTableMissing(e))
                {
                    return null;
                }

                return (IReadOnlyList<JobAttemptError>?)errors;
            },
            cancellationToken).ConfigureAwait(false);

    /// <inheritdoc />
    public async ValueTask<bool> DeleteJobAsync(long jobId, CancellationToken cancellationToken = default) =>
        await RunAsync(
            async connection =>
            {
                using var command = Sql.Command(connection, SqlQueries.DeleteJob).With(NpgsqlDbType.Bigint, jobId);
                return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is long;
            },
            cancellationToken).ConfigureAwait(false);

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<JobEvent>> ListJobEventsAsync(long jobId, CancellationToken cancellationToken = default) =>
        ReadAsync(
            SqlQueries.ListJobEvents,
            static reader => new JobEvent(reader.GetString(0), reader.GetFieldValue<DateTimeOffset>(1)),
            command => command.With(NpgsqlDbType.Bigint, jobId),
            cancellationToken);

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<EventCounts>> CountEventsByMinuteAsync(TimeSpan period, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(period, TimeSpan.Zero);
        return ReadAsync(
            SqlQueries.CountEventsByMinute,
            static reader => new EventCounts(
                reader.GetFieldValue<DateTimeOffset>(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3)),
            command => command.With(NpgsqlDbType.Double, Sql.Seconds(period)),
            cancellationToken);
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<WorkerRegistration>> ListWorkersAsync(CancellationToken cancellationToken = default) =>
        ReadAsync(
            SqlQueries.ListWorkers,
            static reader => new WorkerRegistration(reader.GetInt64(0), reader.GetFieldValue<DateTimeOffset>(1)),
            static _ => { },
            cancellationToken);

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<PeriodicClaim>> ListPeriodicClaimsAsync(CancellationToken cancellationToken = default) =>
        ReadAsync(
            SqlQueries.ListPeriodicClaims,
            static reader => new PeriodicClaim(
                reader.GetString(0), reader.GetString(1), reader.GetInt64(2), reader.IsDBNull(3) ? null : reader.GetInt64(3)),
            static _ => { },
            cancellationToken);

    /// <inheritdoc />
    /// <remarks>An unreachable server answers <see langword="false"/> too.</remarks>
    public async ValueTask<bool> IsSchemaPresentAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            return await Schema.IsAppliedAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (ProcrastinateException) when (!cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }

    /// <inheritdoc />
    /// <remarks>
    /// Compares the schema with Procrastinate 3.9's contract as <see cref="PostgreSqlSchemaManager.CheckSchemaAsync"/>
    /// does; objects beyond the contract (a later version's additions) do not count.
    /// </remarks>
    public async ValueTask EnsureSchemaUsableAsync(CancellationToken cancellationToken = default) =>
        await Schema.EnsureUsableAsync(cancellationToken).ConfigureAwait(false);

    /// <inheritdoc />
    /// <remarks>
    /// Listens on <c>procrastinate_any_queue_v1</c> when <paramref name="queues"/> is <see langword="null"/>, else on
    /// <c>procrastinate_queue_v1#&lt;queue&gt;</c> per queue, on one dedicated connection. Notifications are handed to
    /// <paramref name="onNotification"/> one at a time; an exception it throws is logged and ignored.
    /// </remarks>
    public async ValueTask<IAsyncDisposable> ListenAsync(
        IReadOnlyList<string>? queues,
        Func<JobNotification, ValueTask> onNotification,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(onNotification);
        var listener = new NotificationListener(_connections, queues, onNotification, _options, _listenerLogger);
        await listener.StartAsync(cancellationToken).ConfigureAwait(false);
        return listener;
    }

    /// <summary>Closes the connection pool when the store created it (never a caller's data source).</summary>
    public ValueTask DisposeAsync() => _connections.DisposeAsync();

    private static void ValidateCompletions(IReadOnlyList<JobCompletion> completions)
    {
        ArgumentNullException.ThrowIfNull(completions);
        foreach (var completion in completions)
        {
            if (completion.Status is not (JobStatus.Succeeded or JobStatus.Failed or JobStatus.Aborted))
            {
                throw new ArgumentException(
                    $"A job ends succeeded, failed or aborted, not {completion.Status} (job {completion.JobId}).", nameof(completions));
            }
        }
    }

    /// <summary>
    /// The statement that applies <paramref name="completions"/> (at least one), in order, and whether its result is the
    /// ids of the fenced completions it dropped (<see cref="JobCompletion.WorkerId"/>).
    /// </summary>
    private static (NpgsqlBatchCommand Command, bool ReturnsDropped) FinishCommand(IReadOnlyList<JobCompletion> completions)
    {
        if (completions is [{ WorkerId: null } single])
        {
            return (new NpgsqlBatchCommand(SqlQueries.FinishJob)
                .With(NpgsqlDbType.Bigint, single.JobId)
                .With(NpgsqlDbType.Text, single.Status.ToName())
                .With(NpgsqlDbType.Boolean, single.Delete), false);
        }

        var ids = new long[completions.Count];
        var statuses = new string[completions.Count];
        var deletes = new bool[completions.Count];
        var workers = new long?[completions.Count];
        var distinct = new HashSet<long>();
        for (var i = 0; i < completions.Count; i++)
        {
            ids[i] = completions[i].JobId;
            statuses[i] = completions[i].Status.ToName();
            deletes[i] = completions[i].Delete;
            workers[i] = completions[i].WorkerId;
            distinct.Add(ids[i]);
        }

        return (new NpgsqlBatchCommand(distinct.Count == ids.Length ? SqlQueries.FinishJobs : SqlQueries.FinishJobsInOrder)
            .With(NpgsqlDbType.Array | NpgsqlDbType.Bigint, ids)
            .With(NpgsqlDbType.Array | NpgsqlDbType.Text, statuses)
            .With(NpgsqlDbType.Array | NpgsqlDbType.Boolean, deletes)
            .With(NpgsqlDbType.Array | NpgsqlDbType.Bigint, workers), true);
    }

    /// <summary>The statement that retries a job (fenced by <see cref="RetryJobParams.WorkerId"/> when set).</summary>
    private static (NpgsqlBatchCommand Command, bool ReturnsDropped) RetryCommand(RetryJobParams parameters)
    {
        var command = new NpgsqlBatchCommand(parameters.WorkerId is null ? SqlQueries.RetryJob : SqlQueries.RetryHeldJob)
            .With(NpgsqlDbType.Bigint, parameters.JobId)
            .With(NpgsqlDbType.TimestampTz, parameters.RetryAt.ToUniversalTime())
            .With(NpgsqlDbType.Integer, parameters.Priority)
            .With(NpgsqlDbType.Varchar, parameters.Queue)
            .With(NpgsqlDbType.Varchar, parameters.Lock);
        return parameters.WorkerId is { } workerId ? (command.With(NpgsqlDbType.Bigint, workerId), true) : (command, false);
    }

    /// <summary>
    /// <paramref name="completions"/> without the fenced ones of a job named earlier in the batch, each logged as
    /// dropped: once the earlier completion ended the job (or was dropped), the job no longer runs on their worker,
    /// as the in-memory store, which applies a batch in order, finds.
    /// </summary>
    private IReadOnlyList<JobCompletion> WithoutRepeatedFenced(IReadOnlyList<JobCompletion> completions)
    {
        if (completions.Count < 2 || completions.All(c => c.WorkerId is null))
        {
            return completions;
        }

        var seen = new HashSet<long>();
        var kept = new List<JobCompletion>(completions.Count);
        foreach (var completion in completions)
        {
            if (!seen.Add(completion.JobId) && completion.WorkerId is { } workerId)
            {
                OutcomeFence.Dropped(_logger, "finish", completion.JobId, workerId);
                continue;
            }

            kept.Add(completion);
        }

        return kept;
    }

    /// <summary>Logs the fenced completions the finish statement dropped (by id: each is there once, see above).</summary>
    private void LogDropped(IReadOnlyList<JobCompletion> completions, List<long> dropped)
    {
        foreach (var id in dropped)
        {
            var workerId = completions.First(c => c.JobId == id && c.WorkerId is not null).WorkerId!.Value;
            OutcomeFence.Dropped(_logger, "finish", id, workerId);
        }
    }

    private static async ValueTask<List<long>> ReadIdsAsync(NpgsqlDataReader reader, CancellationToken cancellationToken)
    {
        var ids = new List<long>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            ids.Add(reader.GetInt64(0));
        }

        return ids;
    }

    private static void Validate(JobToDefer job) => JobRules.Validate(job, nameof(job));

    private static bool IsJobErrorTableMissing(PostgresException exception) =>
        exception.SqlState == PostgresErrorCodes.UndefinedTable
        && exception.MessageText.Contains(StoreConnections.JobErrorTable, StringComparison.Ordinal);

    /// <summary>The completions that carry an error to record (a deleted job's error goes with it).</summary>
    private static List<(long JobId, JobError Error)> Failures(IReadOnlyList<JobCompletion> completions) =>
        completions.Where(c => c.Error is not null && !c.Delete).Select(c => (c.JobId, c.Error!)).ToList();

    /// <summary>
    /// The statement that records <paramref name="failures"/> in the error table, to run right after the statement that
    /// ended or retried those jobs; <see langword="null"/> when there is none to record or the table does not exist.
    /// Each text has this store's connection secrets removed (and is cut again).
    /// </summary>
    private async ValueTask<NpgsqlBatchCommand?> ErrorsCommandAsync(
        NpgsqlConnection connection, List<(long JobId, JobError Error)> failures, CancellationToken cancellationToken)
    {
        if (failures.Count == 0 || !await _jobErrors.IsPresentAsync(connection, cancellationToken).ConfigureAwait(false))
        {
            return null;
        }

        var clean = failures.Select(f => f.Error.With(_connections.Redact)).ToList();
        return new NpgsqlBatchCommand(SqlQueries.InsertJobErrors)
            .With(NpgsqlDbType.Array | NpgsqlDbType.Bigint, failures.Select(f => f.JobId).ToArray())
            .With(NpgsqlDbType.Array | NpgsqlDbType.Text, clean.Select(e => e.Type).ToArray())
            .With(NpgsqlDbType.Array | NpgsqlDbType.Text, clean.Select(e => e.Message).ToArray())
            .With(NpgsqlDbType.Array | NpgsqlDbType.Text, clean.Select(e => e.Details).ToArray());
    }

    /// <summary>
    /// Runs <paramref name="command"/>, then the record of <paramref name="failures"/>, in one batch (one implicit
    /// transaction); returns the ids of the fenced outcomes the command dropped. When the error table was dropped since
    /// the store found it, runs the command alone: an error is never worth a lost outcome.
    /// </summary>
    private async ValueTask<List<long>> ExecuteWithErrorsAsync(
        NpgsqlConnection connection,
        Func<(NpgsqlBatchCommand Command, bool ReturnsDropped)> command,
        List<(long JobId, JobError Error)> failures,
        CancellationToken cancellationToken)
    {
        while (true)
        {
            var (first, returnsDropped) = command();
            var batch = new NpgsqlBatch(connection) { BatchCommands = { first } };
            await using (batch.ConfigureAwait(false))
            {
                if (await ErrorsCommandAsync(connection, failures, cancellationToken).ConfigureAwait(false) is { } errors)
                {
                    batch.BatchCommands.Add(errors);
                }

                try
                {
                    if (!returnsDropped)
                    {
                        await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                        return [];
                    }

                    var reader = await batch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                    await using (reader.ConfigureAwait(false))
                    {
                        var dropped = await ReadIdsAsync(reader, cancellationToken).ConfigureAwait(false);
                        while (await reader.NextResultAsync(cancellationToken).ConfigureAwait(false))
                        {
                            // Steps over the error record, so that its errors surface here.
                        }

                        return dropped;
                    }
                }
                catch (PostgresException e) when (failures.Count > 0 && IsJobErrorTableMissing(e))
                {
                    _jobErrors.Forget();
                    failures = [];
                }
            }
        }
    }

    private async ValueTask<IReadOnlyList<long>> InsertAsync(
        NpgsqlConnection connection,
        NpgsqlTransaction? transaction,
        IReadOnlyList<JobToDefer> jobs,
        CancellationToken cancellationToken)
    {
        NpgsqlCommand command;
        var traced = _options.StoreTraceContext && jobs.Any(j => j.TraceParent is not null);
        if (jobs.Count == 1 && !traced)
        {
            var job = jobs[0];
            command = Sql.Command(connection, SqlQueries.DeferJob, transaction)
                .With(NpgsqlDbType.Varchar, job.Queue)
                .With(NpgsqlDbType.Varchar, job.TaskName)
                .With(NpgsqlDbType.Integer, job.Priority)
                .With(NpgsqlDbType.Text, job.Lock)
                .With(NpgsqlDbType.Text, job.QueueingLock)
                .With(NpgsqlDbType.Text, job.Args)
                .With(NpgsqlDbType.TimestampTz, job.ScheduledAt?.ToUniversalTime());
        }
        else
        {
            command = Sql.Command(connection, traced ? SqlQueries.DeferJobsTraced : SqlQueries.DeferJobs, transaction)
                .With(NpgsqlDbType.Array | NpgsqlDbType.Varchar, jobs.Select(j => j.Queue).ToArray())
                .With(NpgsqlDbType.Array | NpgsqlDbType.Varchar, jobs.Select(j => j.TaskName).ToArray())
                .With(NpgsqlDbType.Array | NpgsqlDbType.Integer, jobs.Select(j => j.Priority).ToArray())
                .With(NpgsqlDbType.Array | NpgsqlDbType.Text, jobs.Select(j => j.Lock).ToArray())
                .With(NpgsqlDbType.Array | NpgsqlDbType.Text, jobs.Select(j => j.QueueingLock).ToArray())
                .With(NpgsqlDbType.Array | NpgsqlDbType.Text, jobs.Select(j => j.Args).ToArray())
                .With(NpgsqlDbType.Array | NpgsqlDbType.TimestampTz, jobs.Select(j => j.ScheduledAt?.ToUniversalTime()).ToArray());
            if (traced)
            {
                command
                    .With(NpgsqlDbType.Array | NpgsqlDbType.Text, jobs.Select(j => j.TraceParent).ToArray())
                    .With(NpgsqlDbType.Array | NpgsqlDbType.Text, jobs.Select(j => j.TraceState).ToArray());
            }
        }

        await using (command.ConfigureAwait(false))
        {
            try
            {
                var ids = await Sql.ReadIdsAsync(command, cancellationToken).ConfigureAwait(false);
                ids.Sort();
                return ids;
            }
            catch (NpgsqlException e)
            {
                var translated = _connections.Translate(e);
                if (translated is AlreadyEnqueuedException { QueueingLock: null })
                {
                    var locks = jobs.Select(j => j.QueueingLock).OfType<string>().ToList();
                    translated = new AlreadyEnqueuedException(
                        await FindConflictingLockAsync(locks, cancellationToken).ConfigureAwait(false), e);
                }

                if (translated is null)
                {
                    throw;
                }

                throw translated;
            }
        }
    }

    /// <summary>
    /// A retry's queueing-lock conflict, naming the lock when the server redacted the error's DETAIL: the retried jobs'
    /// locks, looked up after the failed statement rolled back.
    /// </summary>
    private async ValueTask<AlreadyEnqueuedException> NameConflictingLockAsync(
        AlreadyEnqueuedException conflict, IReadOnlyList<long> jobIds, CancellationToken cancellationToken)
    {
        List<string> locks;
        try
        {
            locks = await RunAsync(
                async connection =>
                {
                    using var command = Sql.Command(connection, SqlQueries.QueueingLocksOfJobs)
                        .With(NpgsqlDbType.Array | NpgsqlDbType.Bigint, jobIds.ToArray());
                    var found = new List<string>();
                    var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                    await using (reader.ConfigureAwait(false))
                    {
                        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                        {
                            found.Add(reader.GetString(0));
                        }
                    }

                    return found;
                },
                cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is NpgsqlException or ProcrastinateException)
        {
            return conflict;
        }

        var name = await FindConflictingLockAsync(locks, cancellationToken).ConfigureAwait(false);
        return name is null ? conflict : new AlreadyEnqueuedException(name, conflict.InnerException);
    }

    /// <summary>The queueing lock that conflicted when the server redacted the error's DETAIL.</summary>
    private async ValueTask<string?> FindConflictingLockAsync(List<string> locks, CancellationToken cancellationToken)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var queueingLock in locks)
        {
            if (!seen.Add(queueingLock))
            {
                return queueingLock;
            }
        }

        if (seen.Count <= 1)
        {
            return seen.FirstOrDefault();
        }

        try
        {
            return await RunAsync(
                async connection =>
                {
                    using var command = Sql.Command(connection, SqlQueries.FindQueueingLock)
                        .With(NpgsqlDbType.Array | NpgsqlDbType.Text, locks.ToArray());
                    return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) as string;
                },
                cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is NpgsqlException or ProcrastinateException)
        {
            return null;
        }
    }

    private async ValueTask ExecuteAsync(string sql, long id, CancellationToken cancellationToken) =>
        await RunAsync(
            async connection =>
            {
                using var command = Sql.Command(connection, sql).With(NpgsqlDbType.Bigint, id);
                await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                return true;
            },
            cancellationToken).ConfigureAwait(false);

    private async ValueTask<IReadOnlyList<JobCounts>> CountAsync(string sql, JobFilter filter, CancellationToken cancellationToken) =>
        await RunAsync(
            async connection =>
            {
                using var command = Sql.Command(connection, sql).WithFilter(filter);
                return (IReadOnlyList<JobCounts>)await Sql.ReadCountsAsync(command, cancellationToken).ConfigureAwait(false);
            },
            cancellationToken).ConfigureAwait(false);

    /// <summary>Runs a query and reads each row with <paramref name="read"/>.</summary>
    private async ValueTask<IReadOnlyList<T>> ReadAsync<T>(
        string sql, Func<NpgsqlDataReader, T> read, Action<NpgsqlCommand> parameters, CancellationToken cancellationToken) =>
        await RunAsync(
            async connection =>
            {
                using var command = Sql.Command(connection, sql);
                parameters(command);
                var rows = new List<T>();
                var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                await using (reader.ConfigureAwait(false))
                {
                    while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                    {
                        rows.Add(read(reader));
                    }
                }

                return (IReadOnlyList<T>)rows;
            },
            cancellationToken).ConfigureAwait(false);

    /// <summary>
    /// Sets the trace context of each fetched job that has one (those deferred while tracing). Best effort: the jobs
    /// are already marked as running, so a failure here leaves them without a link rather than losing them.
    /// </summary>
    private async ValueTask AddTraceContextsAsync(NpgsqlConnection connection, List<Job> jobs)
    {
        var contexts = new Dictionary<long, (string Parent, string? State)>();
        try
        {
            using var command = Sql.Command(connection, SqlQueries.SelectTraceContexts)
                .With(NpgsqlDbType.Array | NpgsqlDbType.Bigint, jobs.Select(j => j.Id).ToArray());
            var reader = await command.ExecuteReaderAsync(CancellationToken.None).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                while (await reader.ReadAsync(CancellationToken.None).ConfigureAwait(false))
                {
                    contexts[reader.GetInt64(0)] = (reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2));
                }
            }
        }
        catch (Exception exception) when (exception is NpgsqlException or InvalidOperationException)
        {
            StoreLog.TraceContextsUnavailable(_logger, jobs.Count, exception);
            return;
        }

        for (var i = 0; i < jobs.Count; i++)
        {
            if (contexts.TryGetValue(jobs[i].Id, out var context))
            {
                jobs[i] = jobs[i] with { TraceParent = context.Parent, TraceState = context.State };
            }
        }
    }

    /// <summary>Runs <paramref name="action"/> on a pooled connection, translating the contract's errors.</summary>
    private async ValueTask<T> RunAsync<T>(Func<NpgsqlConnection, ValueTask<T>> action, CancellationToken cancellationToken)
    {
        var connection = await _connections.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            try
            {
                return await action(connection).ConfigureAwait(false);
            }
            catch (NpgsqlException e)
            {
                var translated = _connections.Translate(e);
                if (translated is null)
                {
                    throw;
                }

                throw translated;
            }
        }
    }
}
