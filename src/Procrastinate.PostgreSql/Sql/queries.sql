-- The statements the PostgreSQL store sends, one named block each ("-- name: <name> --"), with positional
-- parameters ($1, $2, ...). Every statement runs alone in autocommit unless a caller's transaction is given.
-- Statements that change jobs keep the state machine of SCHEMA.md 2.11: they either call the contract's
-- functions or change rows the way those functions do, and the contract's triggers record events and notify.

-- name: defer_jobs --
-- Inserts a batch in one statement (all or nothing) and returns the ids in input order (ORDER BY ordinality makes
-- the sequence hand out ids in input order; the caller sorts the returned ids).
INSERT INTO procrastinate_jobs (queue_name, task_name, priority, lock, queueing_lock, args, scheduled_at)
SELECT t.queue_name, t.task_name, t.priority, t.lock, t.queueing_lock, t.args::jsonb, t.scheduled_at
FROM unnest($1::character varying[], $2::character varying[], $3::integer[], $4::text[], $5::text[], $6::text[],
            $7::timestamp with time zone[])
     WITH ORDINALITY AS t (queue_name, task_name, priority, lock, queueing_lock, args, scheduled_at, position)
ORDER BY t.position
RETURNING id;

-- name: defer_job --
INSERT INTO procrastinate_jobs (queue_name, task_name, priority, lock, queueing_lock, args, scheduled_at)
VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7)
RETURNING id;

-- name: lock_periodic_schedule --
-- Serializes the .NET workers' defers of one schedule (task name $1, periodic id $2) until the transaction ends; a
-- hash collision only serializes two schedules.
SELECT pg_advisory_xact_lock(hashtext('procrastinate_periodic:' || $1), hashtext($2));

-- name: defer_periodic_job --
-- procrastinate_defer_periodic_job_v2 deletes the claims older than the tick it defers, so a worker running late
-- could claim an old tick again; once a later (or the same) tick is claimed, an older one is never deferred.
SELECT CASE
    WHEN EXISTS (
        SELECT 1 FROM procrastinate_periodic_defers
        WHERE task_name = $4 AND periodic_id = $6 AND defer_timestamp >= $7
    ) THEN NULL
    ELSE procrastinate_defer_periodic_job_v2($1, $2, $3, $4, $5, $6, $7, $8::jsonb)
END AS id;

-- name: jit_off --
-- Sent ahead of every fetch, in the same batch (one implicit transaction). PostgreSQL's JIT compiles a statement's
-- expressions anew at every execution once the plan's estimated cost passes jit_above_cost, and the fetch statements'
-- estimates do so on tables with a long history, because their lock checks are costed as if each candidate had to
-- scan for its lock: for a worker of 20 of 100 queues over 1,000,000 finished and 100,000 waiting jobs, fetch_jobs was
-- costed at 522,000 (the default threshold is 100,000) and took 20-51 ms with JIT against 0.7 ms without. The setting is
-- local to the transaction: nothing stays on the connection (so it is safe behind a transaction-pooling proxy, where a
-- connection option or a session SET would be refused or leak to other clients), and every plan of the fetch, a custom
-- one or the generic one a prepared statement keeps, is made with JIT off.
SELECT set_config('jit', 'off', true);

-- name: fetch_jobs --
-- Takes up to $3 jobs at once with exactly the choice procrastinate_fetch_job_v2 makes one job at a time: a job
-- with a lock is a candidate only when no running job holds the lock and no waiting job with the lock comes
-- before it (higher priority, or same priority and smaller id, in any queue, scheduled or not). So among waiting
-- jobs sharing a lock only the first one can be a candidate, and one batch never holds two jobs with the same
-- lock. Rows other workers are taking are skipped, never waited for.
-- The lock condition is written as three checks so that each has an index of the contract to use: the running
-- job through procrastinate_jobs_lock_idx_v1, an earlier job of the same priority through the id range of
-- procrastinate_jobs_id_lock_idx_v1, and a job of higher priority only when the candidate is below the highest
-- waiting priority (one look at procrastinate_jobs_priority_idx_v1 for the whole statement). As one check, every
-- candidate with a lock scanned the whole id_lock index (W6 in benchmarks/README.md).
-- For a worker of exactly one queue, when the store found the extension index procrastinate_dotnet_jobs_queue_todo_idx
-- (queue_name, priority DESC, id) WHERE status = 'todo', it sends this statement with two changes (SqlQueries
-- .FetchJobs(limit, oneQueue: true)): the queue condition without its NULL case, and ORDER BY candidate.queue_name first. Same rows,
-- same order: with one queue, ordering by its name first changes nothing. But no other index gives that order
-- without sorting, so the planner reads that queue's entries of the index; with this ORDER BY it keeps preferring
-- procrastinate_jobs_priority_idx_v1 (it costs the new index's heap order pessimistically) and walks past the other
-- queues' waiting jobs. Without the index the variant would sort the queue's backlog: hence the store's check.
-- For a worker of 2 to 16 queues, with the index, it sends a third form (SqlQueries.FetchJobsOfQueues): the one-queue
-- form whose candidates come from a UNION ALL of one branch per queue, each that queue's waiting jobs in fetch order
-- (an ordered scan of the index, which knows the queue), merged by the planner in (priority DESC, id) order and
-- joined by id to candidate, where every condition above is checked and the row locked, one at a time, until the
-- LIMIT is reached. The branches carry no condition of their own beyond status and queue, and read lazily: so the
-- jobs taken and their order are those of this statement (the differential tests compare them with
-- procrastinate_fetch_job_v2), and only the worker's own queues are read. Each branch ends with a LIMIT that is never
-- reached, computed by a sub-select so that the planner cannot see it: without a LIMIT it plans the branch as read
-- to the end, and then sorts the queue's whole backlog instead of walking the index.
-- For a worker of all queues ($1 NULL) it sends this statement without the queue condition
-- (SqlQueries.FetchJobsOfAllQueues): a generic plan cannot see that $1 is NULL, and on a table of many queues it
-- estimated the condition selective, so PostgreSQL kept planning the statement anew at every call.
WITH picked AS (
    SELECT candidate.id
    FROM procrastinate_jobs AS candidate
    WHERE candidate.status = 'todo'
      AND ($1::character varying[] IS NULL OR candidate.queue_name = ANY ($1::character varying[]))
      AND (candidate.scheduled_at IS NULL OR candidate.scheduled_at <= now())
      AND (candidate.lock IS NULL OR (
          NOT EXISTS (
              SELECT 1 FROM procrastinate_jobs AS running
              WHERE running.lock = candidate.lock AND running.status = 'doing'
          )
          AND NOT EXISTS (
              SELECT 1 FROM procrastinate_jobs AS earlier
              WHERE earlier.lock = candidate.lock AND earlier.status = 'todo'
                AND earlier.priority = candidate.priority AND earlier.id < candidate.id
          )
          AND (
              candidate.priority >= (SELECT max(top.priority) FROM procrastinate_jobs AS top WHERE top.status = 'todo')
              OR NOT EXISTS (
                  SELECT 1 FROM procrastinate_jobs AS higher
                  WHERE higher.lock = candidate.lock AND higher.status = 'todo' AND higher.priority > candidate.priority
              )
          )
      ))
    ORDER BY candidate.priority DESC, candidate.id ASC
    LIMIT $3
    FOR UPDATE OF candidate SKIP LOCKED
)
UPDATE procrastinate_jobs AS jobs
SET status = 'doing', worker_id = $2
FROM picked
WHERE jobs.id = picked.id
RETURNING jobs.id, jobs.queue_name, jobs.task_name, jobs.priority, jobs.lock, jobs.queueing_lock, jobs.args::text,
          jobs.status::text, jobs.scheduled_at, jobs.attempts, jobs.abort_requested, jobs.worker_id;

-- name: own_index_valid --
-- Whether the index of our own named $1 (procrastinate_dotnet_jobs_queue_todo_idx, say) exists on the search path and
-- is usable (a CREATE INDEX CONCURRENTLY that was interrupted leaves an invalid index the planner ignores).
SELECT coalesce((SELECT indisvalid FROM pg_index WHERE indexrelid = to_regclass($1::text)), false);

-- name: finish_jobs --
-- Ends a batch of distinct jobs in one statement the way procrastinate_finish_job_v1 ends each one (a deleted job is
-- deleted, an updated one takes its end status, abort_requested false, and one more attempt if it was running), with
-- set-based writes instead of one function call per job. A job neither statement touched (missing, or neither
-- waiting nor running) goes through the contract's function, whose error rolls the whole batch back.
-- $4 fences a worker's own outcomes (NULL: not fenced): such a job is ended only while it is still running on that
-- worker, or on no worker (its worker row was removed and nobody took it since). Otherwise stalled-job recovery gave it
-- back and another worker may hold it: the outcome is dropped, without an error, and its id returned. The fence is in
-- the writes' own WHERE, so a row another transaction changes meanwhile is checked again at its latest version.
WITH input AS MATERIALIZED (
    SELECT t.id, t.status::procrastinate_job_status AS status, t.delete_job, t.worker_id
    FROM unnest($1::bigint[], $2::text[], $3::boolean[], $4::bigint[]) AS t (id, status, delete_job, worker_id)
),
deleted AS (
    DELETE FROM procrastinate_jobs AS j
    USING input AS i
    WHERE i.delete_job AND j.id = i.id AND j.status IN ('todo', 'doing')
      AND (i.worker_id IS NULL OR (j.status = 'doing' AND (j.worker_id IS NULL OR j.worker_id = i.worker_id)))
    RETURNING j.id
),
updated AS (
    UPDATE procrastinate_jobs AS j
    SET status = i.status,
        abort_requested = false,
        attempts = CASE WHEN j.status = 'doing' THEN j.attempts + 1 ELSE j.attempts END
    FROM input AS i
    WHERE NOT i.delete_job AND j.id = i.id AND j.status IN ('todo', 'doing')
      AND (i.worker_id IS NULL OR (j.status = 'doing' AND (j.worker_id IS NULL OR j.worker_id = i.worker_id)))
    RETURNING j.id
)
SELECT i.id AS dropped_id
FROM input AS i
WHERE i.id NOT IN (SELECT id FROM deleted UNION ALL SELECT id FROM updated)
  AND CASE WHEN i.worker_id IS NOT NULL THEN true
           ELSE procrastinate_finish_job_v1(i.id, i.status, i.delete_job) IS NULL -- raises; a void is never NULL
      END;

-- name: finish_jobs_in_order --
-- A batch that names a job twice: one function call per job, in order, so the second one fails as it would alone.
-- A completion fenced by worker $4 (see finish_jobs) is the first of its job in the batch (the store drops the later
-- fenced ones, which could only be dropped here), so the statement's snapshot shows its job as the batch found it; its
-- id is returned when dropped.
SELECT t.id AS dropped_id
FROM unnest($1::bigint[], $2::text[], $3::boolean[], $4::bigint[]) WITH ORDINALITY AS t (id, status, delete_job, worker_id, position)
WHERE CASE WHEN t.worker_id IS NULL
                OR EXISTS (SELECT 1 FROM procrastinate_jobs AS j
                           WHERE j.id = t.id AND j.status = 'doing' AND (j.worker_id IS NULL OR j.worker_id = t.worker_id))
           THEN procrastinate_finish_job_v1(t.id, t.status::procrastinate_job_status, t.delete_job) IS NULL -- never NULL
           ELSE true
      END
ORDER BY t.position;

-- name: finish_job --
SELECT procrastinate_finish_job_v1($1, $2::text::procrastinate_job_status, $3);

-- name: retry_job --
SELECT procrastinate_retry_job_v2($1, $2, $3, $4, $5);

-- name: retry_held_job --
-- retry_job for a worker's own outcome, fenced by worker $6 as finish_jobs fences: the job is locked first, and only
-- while it is still running on that worker (or on no worker) does the contract's function retry it. Returns the job's
-- id when the retry was dropped, no row when it was applied (the count reads the function's result, so it always runs).
WITH held AS MATERIALIZED (
    SELECT j.id
    FROM procrastinate_jobs AS j
    WHERE j.id = $1 AND j.status = 'doing' AND (j.worker_id IS NULL OR j.worker_id = $6)
    FOR UPDATE OF j
),
retried AS MATERIALIZED (
    SELECT procrastinate_retry_job_v2(held.id, $2, $3, $4, $5) FROM held
)
SELECT $1::bigint AS dropped_id
FROM (SELECT count(*) AS applied FROM retried) AS r
WHERE r.applied = 0;

-- name: cancel_job --
SELECT procrastinate_cancel_job_v1($1, $2, $3) AS id;

-- name: get_job_status --
SELECT status::text FROM procrastinate_jobs WHERE id = $1;

-- name: list_jobs_to_abort --
SELECT id
FROM procrastinate_jobs
WHERE status = 'doing' AND abort_requested AND ($1::character varying IS NULL OR queue_name = $1)
ORDER BY id;

-- name: register_worker --
SELECT worker_id FROM procrastinate_register_worker_v1();

-- name: unregister_worker --
SELECT procrastinate_unregister_worker_v1($1);

-- name: update_heartbeat --
SELECT procrastinate_update_heartbeat_v1($1);

-- name: prune_stalled_workers --
SELECT worker_id FROM procrastinate_prune_stalled_workers_v1($1);

-- name: select_stalled_jobs --
-- Running jobs whose worker is gone (worker_id NULL) or has not sent a heartbeat for $1 seconds.
SELECT j.id, j.queue_name, j.task_name, j.priority, j.lock, j.queueing_lock, j.args::text, j.status::text,
       j.scheduled_at, j.attempts, j.abort_requested, j.worker_id
FROM procrastinate_jobs AS j
WHERE j.status = 'doing'
  AND ($2::character varying IS NULL OR j.queue_name = $2)
  AND ($3::character varying IS NULL OR j.task_name = $3)
  AND (j.worker_id IS NULL
       OR EXISTS (SELECT 1 FROM procrastinate_workers AS w
                  WHERE w.id = j.worker_id AND w.last_heartbeat < now() - make_interval(secs => $1)))
ORDER BY j.id;

-- name: lock_stalled_jobs --
-- First step of retrying stalled jobs, inside a transaction: lock the stalled rows nobody else holds, and read them
-- (a locked row is read at its latest version) for the caller to decide each job's retry.
SELECT j.id, j.queue_name, j.task_name, j.priority, j.lock, j.queueing_lock, j.args::text, j.status::text,
       j.scheduled_at, j.attempts, j.abort_requested, j.worker_id
FROM procrastinate_jobs AS j
WHERE j.status = 'doing'
  AND (j.worker_id IS NULL
       OR EXISTS (SELECT 1 FROM procrastinate_workers AS w
                  WHERE w.id = j.worker_id AND w.last_heartbeat < now() - make_interval(secs => $1)))
ORDER BY j.id
FOR UPDATE OF j SKIP LOCKED;

-- name: retry_locked_stalled_jobs --
-- Second step, in the same transaction: this statement's fresh snapshot sees every commit made before the rows
-- were locked, so the stalled condition is checked again on rows nobody else can change; a job another worker
-- already retried and a live worker fetched again is left alone. $2..$7 are the caller's decisions, one per locked
-- job: retry when $3 (at $4, or now when NULL; with a new priority, queue or lock when given), else fail. A job is retried like
-- procrastinate_retry_job_v2 does (an abort-requested job fails instead, whatever the decision) and failed like
-- procrastinate_finish_job_v1 does; so is a job to retry whose queueing lock a waiting job, or a smaller id of this
-- sweep going back to todo, already holds, since the job holding the lock does the same work. The decisions come
-- from the statement's snapshot, which the functions' own writes do not change. Returns each job with its new status.
WITH decision AS (
    SELECT d.id, d.retry, d.retry_at, d.priority, d.queue_name, d.lock
    FROM unnest($2::bigint[], $3::boolean[], $4::timestamp with time zone[], $5::integer[], $6::character varying[],
                $7::character varying[]) AS d(id, retry, retry_at, priority, queue_name, lock)
),
stalled AS MATERIALIZED (
    SELECT j.id, j.queueing_lock, j.abort_requested, d.retry_at, d.priority, d.queue_name, d.lock,
           (NOT j.abort_requested AND d.retry) AS to_retry
    FROM procrastinate_jobs AS j
    JOIN decision AS d ON d.id = j.id
    WHERE j.status = 'doing'
      AND (j.worker_id IS NULL
           OR EXISTS (SELECT 1 FROM procrastinate_workers AS w
                      WHERE w.id = j.worker_id AND w.last_heartbeat < now() - make_interval(secs => $1)))
),
decided AS MATERIALIZED (
    SELECT s.*,
           s.to_retry
           AND NOT (s.queueing_lock IS NOT NULL
                    AND (EXISTS (SELECT 1 FROM procrastinate_jobs AS t
                                 WHERE t.status = 'todo' AND t.queueing_lock = s.queueing_lock)
                         OR EXISTS (SELECT 1 FROM stalled AS e
                                    WHERE e.id < s.id AND e.to_retry AND e.queueing_lock = s.queueing_lock)))
               AS retried
    FROM stalled AS s
)
SELECT s.id,
       CASE WHEN s.retried THEN 'todo' ELSE 'failed' END,
       CASE
           WHEN s.abort_requested THEN procrastinate_retry_job_v2(s.id, now(), NULL, NULL, NULL)
           WHEN s.retried THEN procrastinate_retry_job_v2(s.id, COALESCE(s.retry_at, now()), s.priority, s.queue_name, s.lock)
           ELSE procrastinate_finish_job_v1(s.id, 'failed', false)
       END
FROM decided AS s
ORDER BY s.id;

-- name: delete_old_jobs --
-- Deletes finished jobs whose latest event is older than $1 seconds (a job without events never goes).
DELETE FROM procrastinate_jobs AS j
WHERE j.status = ANY ($2::text[]::procrastinate_job_status[])
  AND ($3::character varying IS NULL OR j.queue_name = $3)
  AND (SELECT max(e.at) FROM procrastinate_events AS e WHERE e.job_id = j.id) < now() - make_interval(secs => $1);

-- name: list_jobs --
SELECT j.id, j.queue_name, j.task_name, j.priority, j.lock, j.queueing_lock, j.args::text, j.status::text,
       j.scheduled_at, j.attempts, j.abort_requested, j.worker_id
FROM procrastinate_jobs AS j
WHERE ($1::bigint IS NULL OR j.id = $1)
  AND ($2::character varying IS NULL OR j.queue_name = $2)
  AND ($3::character varying IS NULL OR j.task_name = $3)
  AND ($4::text IS NULL OR j.status = $4::text::procrastinate_job_status)
  AND ($5::text IS NULL OR j.lock = $5)
  AND ($6::text IS NULL OR j.queueing_lock = $6)
  AND ($7::bigint IS NULL OR j.worker_id = $7)
  AND ($8::bigint IS NULL OR j.id > $8)
  AND ($9::bigint IS NULL OR j.id < $9)
ORDER BY j.id
LIMIT $10::integer;

-- name: list_queues --
SELECT j.queue_name AS name,
       count(*) FILTER (WHERE j.status = 'todo'), count(*) FILTER (WHERE j.status = 'doing'),
       count(*) FILTER (WHERE j.status = 'succeeded'), count(*) FILTER (WHERE j.status = 'failed'),
       count(*) FILTER (WHERE j.status = 'cancelled'), count(*) FILTER (WHERE j.status = 'aborted')
FROM procrastinate_jobs AS j
WHERE ($1::bigint IS NULL OR j.id = $1)
  AND ($2::character varying IS NULL OR j.queue_name = $2)
  AND ($3::character varying IS NULL OR j.task_name = $3)
  AND ($4::text IS NULL OR j.status = $4::text::procrastinate_job_status)
  AND ($5::text IS NULL OR j.lock = $5)
  AND ($6::text IS NULL OR j.queueing_lock = $6)
  AND ($7::bigint IS NULL OR j.worker_id = $7)
GROUP BY j.queue_name
ORDER BY j.queue_name;

-- name: list_tasks --
SELECT j.task_name AS name,
       count(*) FILTER (WHERE j.status = 'todo'), count(*) FILTER (WHERE j.status = 'doing'),
       count(*) FILTER (WHERE j.status = 'succeeded'), count(*) FILTER (WHERE j.status = 'failed'),
       count(*) FILTER (WHERE j.status = 'cancelled'), count(*) FILTER (WHERE j.status = 'aborted')
FROM procrastinate_jobs AS j
WHERE ($1::bigint IS NULL OR j.id = $1)
  AND ($2::character varying IS NULL OR j.queue_name = $2)
  AND ($3::character varying IS NULL OR j.task_name = $3)
  AND ($4::text IS NULL OR j.status = $4::text::procrastinate_job_status)
  AND ($5::text IS NULL OR j.lock = $5)
  AND ($6::text IS NULL OR j.queueing_lock = $6)
  AND ($7::bigint IS NULL OR j.worker_id = $7)
GROUP BY j.task_name
ORDER BY j.task_name;

-- name: list_locks --
SELECT j.lock AS name,
       count(*) FILTER (WHERE j.status = 'todo'), count(*) FILTER (WHERE j.status = 'doing'),
       count(*) FILTER (WHERE j.status = 'succeeded'), count(*) FILTER (WHERE j.status = 'failed'),
       count(*) FILTER (WHERE j.status = 'cancelled'), count(*) FILTER (WHERE j.status = 'aborted')
FROM procrastinate_jobs AS j
WHERE j.lock IS NOT NULL
  AND ($1::bigint IS NULL OR j.id = $1)
  AND ($2::character varying IS NULL OR j.queue_name = $2)
  AND ($3::character varying IS NULL OR j.task_name = $3)
  AND ($4::text IS NULL OR j.status = $4::text::procrastinate_job_status)
  AND ($5::text IS NULL OR j.lock = $5)
  AND ($6::text IS NULL OR j.queueing_lock = $6)
  AND ($7::bigint IS NULL OR j.worker_id = $7)
GROUP BY j.lock
ORDER BY j.lock;

-- name: delete_job --
-- Deletes one finished job; its events go with it (ON DELETE CASCADE), its periodic claim is unlinked by the trigger.
DELETE FROM procrastinate_jobs
WHERE id = $1 AND status IN ('succeeded', 'failed', 'cancelled', 'aborted')
RETURNING id;

-- name: list_job_events --
SELECT e.type::text, e.at
FROM procrastinate_events AS e
WHERE e.job_id = $1
ORDER BY e.id;

-- name: count_events_by_minute --
-- Jobs deferred, succeeded and failed per minute over the last $1 seconds (UTC minutes: the time zone of every
-- offset in use today is a whole number of minutes from UTC).
SELECT date_trunc('minute', e.at) AS minute,
       count(*) FILTER (WHERE e.type = 'deferred'),
       count(*) FILTER (WHERE e.type = 'succeeded'),
       count(*) FILTER (WHERE e.type = 'failed')
FROM procrastinate_events AS e
WHERE e.at >= now() - make_interval(secs => $1)
  AND e.type IN ('deferred', 'succeeded', 'failed')
GROUP BY 1
ORDER BY 1;

-- name: list_workers --
SELECT w.id, w.last_heartbeat
FROM procrastinate_workers AS w
ORDER BY w.id;

-- name: list_periodic_claims --
SELECT d.task_name, d.periodic_id, d.defer_timestamp, d.job_id
FROM procrastinate_periodic_defers AS d
ORDER BY d.id;

-- name: check_schema --
SELECT to_regclass('procrastinate_jobs') IS NOT NULL;

-- name: find_queueing_lock --
-- After a queueing-lock conflict whose DETAIL the server redacted: which of the batch's locks is taken.
SELECT queueing_lock FROM procrastinate_jobs WHERE status = 'todo' AND queueing_lock = ANY ($1::text[]) ORDER BY id LIMIT 1;

-- name: queueing_locks_of_jobs --
-- After a queueing-lock conflict of a retry whose DETAIL the server redacted: the queueing locks of the retried jobs.
SELECT queueing_lock FROM procrastinate_jobs WHERE id = ANY ($1::bigint[]) AND queueing_lock IS NOT NULL ORDER BY id;
