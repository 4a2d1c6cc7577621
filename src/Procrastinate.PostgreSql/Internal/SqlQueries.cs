using System.Collections.Frozen;
using System.Text;

namespace Procrastinate.PostgreSql.Internal;

/// <summary>The named statements of <c>Sql/queries.sql</c>.</summary>
internal static class SqlQueries
{
    private const string NameMarker = "-- name: ";
    private const string LimitParameter = "LIMIT $3";

    /// <summary>Fetch limits up to this one get a statement of their own (see <see cref="FetchJobs"/>).</summary>
    private const int MaxLiteralFetchLimit = 32;


    private static readonly Lazy<FrozenDictionary<string, string>> All = new(() => Parse(SqlResources.Read("queries.sql")));

    private static readonly Lazy<FrozenDictionary<string, string>> TraceContext =
        new(() => Parse(SqlResources.Read("extensions/trace_context_queries.sql")));

    private static readonly Lazy<FrozenDictionary<string, string>> JobErrors =
        new(() => Parse(SqlResources.Read("extensions/job_error_queries.sql")));

    private static readonly Lazy<string> OneQueueFetch = new(() => Get("fetch_jobs")
        .ReplaceOnce(
            "($1::character varying[] IS NULL OR candidate.queue_name = ANY ($1::character varying[]))",
            "candidate.queue_name = ANY ($1::character varying[])")
        .ReplaceOnce("ORDER BY candidate.priority DESC, candidate.id ASC", "ORDER BY candidate.queue_name, candidate.priority DESC, candidate.id ASC"));

    /// <summary>
    /// <c>fetch_jobs</c> for a worker of all queues: without the queue condition, which is true when <c>$1</c> is
    /// <see langword="null"/>. With the condition, a generic plan cannot know that <c>$1</c> is null and estimates the
    /// share of waiting jobs in the (unknown) queues from the table's statistics: once the table holds many queues, that
    /// share is small, the generic plan looks dearer than the custom ones, and PostgreSQL plans the statement anew at
    /// every call (W5a in benchmarks/README.md). <c>$1</c> stays a parameter of the statement, unused.
    /// </summary>
    private static readonly Lazy<string> AllQueuesFetch = new(() => Get("fetch_jobs")
        .ReplaceOnce("      AND ($1::character varying[] IS NULL OR candidate.queue_name = ANY ($1::character varying[]))\n", string.Empty));

    /// <summary>The statements of <see cref="FetchJobsOfQueues"/>, by number of queues and limit (0: the parameter).</summary>
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<(int Queues, int Limit), string> QueueSetFetches = new();

    private static readonly Lazy<string> ListJobsNewestFirst =
        new(() => Get("list_jobs").ReplaceOnce("ORDER BY j.id\n", "ORDER BY j.id DESC\n"));

    private static readonly Lazy<string[]> FetchJobsByLimit = new(() => ByLimit(Get("fetch_jobs")));

    private static readonly Lazy<string[]> OneQueueFetchByLimit = new(() => ByLimit(OneQueueFetch.Value));

    private static readonly Lazy<string[]> AllQueuesFetchByLimit = new(() => ByLimit(AllQueuesFetch.Value));

    public static IReadOnlyDictionary<string, string> Statements => All.Value;

    /// <summary>The statements on the trace context table, which is not part of the contract.</summary>
    public static IReadOnlyDictionary<string, string> TraceContextStatements => TraceContext.Value;

    /// <summary>The statements on the error table, which is not part of the contract.</summary>
    public static IReadOnlyDictionary<string, string> JobErrorStatements => JobErrors.Value;

    public static string DeferJobs => Get("defer_jobs");

    public static string DeferJob => Get("defer_job");

    public static string LockPeriodicSchedule => Get("lock_periodic_schedule");

    public static string DeferPeriodicJob => Get("defer_periodic_job");

    /// <summary>
    /// The fetch of up to <paramref name="limit"/> jobs (parameters: queues, worker id, limit). With the limit as a
    /// parameter, PostgreSQL's generic plan of a prepared statement sorts every waiting job, so the server keeps
    /// planning the statement anew at each call (about 0.3 ms). With the limit written in, the generic plan is the
    /// index scan and the statement is planned once. Each small limit therefore has its own statement text; larger
    /// limits keep the parameter, since one round trip then carries many jobs. The limit parameter stays in every
    /// variant, unused by those with the literal.
    /// </summary>
    /// <remarks>
    /// <paramref name="oneQueue"/> gives the statement for a worker of exactly one queue when the queue index is
    /// present: <c>fetch_jobs</c> in the order of that index (see the comment on <c>fetch_jobs</c>).
    /// </remarks>
    public static string FetchJobs(int limit, bool oneQueue = false)
    {
        var (byLimit, general) = oneQueue ? (OneQueueFetchByLimit, OneQueueFetch.Value) : (FetchJobsByLimit, Get("fetch_jobs"));
        return limit is > 0 and <= MaxLiteralFetchLimit ? byLimit.Value[limit] : general;
    }

    /// <summary>
    /// <c>fetch_jobs</c> for a worker of all queues (parameters as <see cref="FetchJobs"/>, <c>$1</c> null and unused):
    /// the same jobs in the same order, with a generic plan PostgreSQL keeps however many queues the table holds.
    /// </summary>
    public static string FetchJobsOfAllQueues(int limit) =>
        limit is > 0 and <= MaxLiteralFetchLimit ? AllQueuesFetchByLimit.Value[limit] : AllQueuesFetch.Value;

    /// <summary>
    /// The most queues a worker may listen to for <see cref="FetchJobsOfQueues"/>; a worker of more queues fetches with
    /// <c>fetch_jobs</c> as it is.
    /// </summary>
    public const int MaxIndexedQueues = 16;

    /// <summary>
    /// <c>fetch_jobs</c> for a worker of 2 to <see cref="MaxIndexedQueues"/> distinct queues when the queue index is
    /// present (parameters as <see cref="FetchJobs"/>; <c>$1</c> holds exactly <paramref name="queues"/> distinct
    /// names): one ordered scan of the queue index per queue, merged in fetch order (see the comment on
    /// <c>fetch_jobs</c>).
    /// </summary>
    public static string FetchJobsOfQueues(int queues, int limit)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(queues, 2);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(queues, MaxIndexedQueues);
        var literal = limit is > 0 and <= MaxLiteralFetchLimit ? limit : 0;
        return QueueSetFetches.GetOrAdd((queues, literal), static key =>
        {
            var sql = OneQueueFetch.Value
                .ReplaceOnce(
                    "    FROM procrastinate_jobs AS candidate\n",
                    "    FROM (\n" + string.Join("\n        UNION ALL\n", Enumerable.Range(1, key.Queues).Select(QueueBranch)) + "\n    ) AS waiting\n" +
                    "    JOIN procrastinate_jobs AS candidate ON candidate.id = waiting.id\n")
                .ReplaceOnce("ORDER BY candidate.queue_name, candidate.priority DESC, candidate.id ASC", "ORDER BY waiting.priority DESC, waiting.id ASC");
            return key.Limit == 0 ? sql : WithLiteralLimit(sql, key.Limit);
        });
    }

    /// <summary>Turns PostgreSQL's JIT off until the end of the transaction: sent ahead of every fetch (see queries.sql).</summary>
    public static string JitOff => Get("jit_off");

    /// <summary>Whether the index of our own named by <c>$1</c> exists and is valid.</summary>
    public static string OwnIndexValid => Get("own_index_valid");

    public static string FinishJobs => Get("finish_jobs");

    public static string FinishJobsInOrder => Get("finish_jobs_in_order");

    public static string FinishJob => Get("finish_job");

    public static string RetryJob => Get("retry_job");

    public static string RetryHeldJob => Get("retry_held_job");

    public static string CancelJob => Get("cancel_job");

    public static string GetJobStatus => Get("get_job_status");

    public static string ListJobsToAbort => Get("list_jobs_to_abort");

    public static string RegisterWorker => Get("register_worker");

    public static string UnregisterWorker => Get("unregister_worker");

    public static string UpdateHeartbeat => Get("update_heartbeat");

    public static string PruneStalledWorkers => Get("prune_stalled_workers");

    public static string SelectStalledJobs => Get("select_stalled_jobs");

    public static string LockStalledJobs => Get("lock_stalled_jobs");

    public static string RetryLockedStalledJobs => Get("retry_locked_stalled_jobs");

    public static string DeleteOldJobs => Get("delete_old_jobs");

    public static string ListJobs => Get("list_jobs");

    /// <summary><c>list_jobs</c> with the largest ids first (a backward walk of the primary key).</summary>
    public static string ListJobsDescending => ListJobsNewestFirst.Value;

    public static string DeleteJob => Get("delete_job");

    public static string ListJobEvents => Get("list_job_events");

    public static string CountEventsByMinute => Get("count_events_by_minute");

    public static string ListWorkers => Get("list_workers");

    public static string ListPeriodicClaims => Get("list_periodic_claims");

    public static string ListQueues => Get("list_queues");

    public static string ListTasks => Get("list_tasks");

    public static string ListLocks => Get("list_locks");

    public static string CheckSchema => Get("check_schema");

    public static string QueueingLocksOfJobs => Get("queueing_locks_of_jobs");

    public static string FindQueueingLock => Get("find_queueing_lock");

    public static string DeferJobsTraced => TraceContext.Value["defer_jobs_traced"];

    public static string SelectTraceContexts => TraceContext.Value["select_trace_contexts"];

    public static string InsertTraceContext => TraceContext.Value["insert_trace_context"];

    public static string JobErrorsPresent => JobErrors.Value["job_errors_present"];

    public static string InsertJobErrors => JobErrors.Value["insert_job_errors"];

    public static string ListJobErrors => JobErrors.Value["list_job_errors"];

    public static string Get(string name) =>
        All.Value.TryGetValue(name, out var sql) ? sql : throw new KeyNotFoundException($"No query named '{name}' in queries.sql.");

    /// <summary>
    /// Splits a file of <c>-- name: x --</c> blocks into statements: comment lines dropped, the final semicolon
    /// removed. Text before the first block is the file's preamble.
    /// </summary>
    internal static FrozenDictionary<string, string> Parse(string text)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        string? name = null;
        var body = new StringBuilder();
        foreach (var rawLine in text.Split('\n'))
        {
            var line = rawLine.TrimEnd('\r');
            if (line.StartsWith(NameMarker, StringComparison.Ordinal))
            {
                Flush(result, name, body);
                name = line[NameMarker.Length..].Trim().TrimEnd('-').Trim();
                continue;
            }

            if (name is null || line.TrimStart().StartsWith("--", StringComparison.Ordinal))
            {
                continue;
            }

            body.Append(line).Append('\n');
        }

        Flush(result, name, body);
        return result.ToFrozenDictionary(StringComparer.Ordinal);
    }

    /// <summary>
    /// The waiting jobs of the worker's <paramref name="position"/>th queue in fetch order. With the queue fixed by
    /// an equality, its <c>ORDER BY</c> is the queue index's order, read without a sort. The planner must not see
    /// the queue's name: it would then choose <c>procrastinate_jobs_priority_idx_v1</c> for a queue holding many
    /// rows, and walk the other queues' waiting jobs. So the name comes through a sub-select (an unknown value in
    /// every plan) and is also written as a range, whose default estimate makes any walk past other queues look
    /// costly. The <c>LIMIT</c> that is never reached, unknown to the planner too, keeps it from planning the branch
    /// as read to the end (it would sort the queue's whole backlog).
    /// </summary>
    private static string QueueBranch(int position)
    {
        var queue = string.Create(System.Globalization.CultureInfo.InvariantCulture, $"(SELECT ($1::character varying[])[{position}])");
        return $"""
                (SELECT q.id, q.priority FROM procrastinate_jobs AS q
                 WHERE q.status = 'todo' AND q.queue_name = {queue} AND q.queue_name >= {queue} AND q.queue_name <= {queue}
                 ORDER BY q.priority DESC, q.id ASC LIMIT (SELECT 9223372036854775807))
        """;
    }

    private static string[] ByLimit(string sql) =>
        Enumerable.Range(0, MaxLiteralFetchLimit + 1).Select(limit => limit == 0 ? string.Empty : WithLiteralLimit(sql, limit)).ToArray();

    private static string WithLiteralLimit(string sql, int limit) =>
        sql.ReplaceOnce(LimitParameter, "LIMIT " + limit.ToString(System.Globalization.CultureInfo.InvariantCulture));

    private static string ReplaceOnce(this string sql, string part, string replacement)
    {
        var at = sql.IndexOf(part, StringComparison.Ordinal);
        if (at < 0 || sql.IndexOf(part, at + part.Length, StringComparison.Ordinal) >= 0)
        {
            throw new InvalidOperationException($"The query in queries.sql must hold '{part}' exactly once.");
        }

        return string.Concat(sql.AsSpan(0, at), replacement, sql.AsSpan(at + part.Length));
    }

    private static void Flush(Dictionary<string, string> result, string? name, StringBuilder body)
    {
        if (name is not null)
        {
            var sql = body.ToString().Trim();
            if (sql.EndsWith(';'))
            {
                sql = sql[..^1].TrimEnd();
            }

            if (sql.Length == 0 || !result.TryAdd(name, sql))
            {
                throw new InvalidOperationException($"Query '{name}' in queries.sql is empty or defined twice.");
            }
        }

        body.Clear();
    }
}
