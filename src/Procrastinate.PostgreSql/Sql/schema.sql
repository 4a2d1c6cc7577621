-- Procrastinate for .NET: the PostgreSQL schema.
-- It creates the objects of Procrastinate 3.9's database contract (docs/SCHEMA.md sections 2.1 to 2.7) under the
-- same names and signatures, so a Python Procrastinate and a .NET worker can share one database. Every name is
-- unqualified: the objects land in the first schema of the search_path.

-- Types ---------------------------------------------------------------------------------------------------------

CREATE TYPE procrastinate_job_status AS ENUM (
    'todo',
    'doing',
    'succeeded',
    'failed',
    'cancelled',
    'aborting', -- legacy value, never written
    'aborted'
);

CREATE TYPE procrastinate_job_event_type AS ENUM (
    'deferred',
    'started',
    'deferred_for_retry',
    'failed',
    'succeeded',
    'cancelled',
    'abort_requested',
    'aborted',
    'scheduled',
    'retried'
);

CREATE TYPE procrastinate_job_to_defer_v1 AS (
    queue_name character varying,
    task_name character varying,
    priority integer,
    lock text,
    queueing_lock text,
    args jsonb,
    scheduled_at timestamp with time zone
);

-- Tables --------------------------------------------------------------------------------------------------------

CREATE TABLE procrastinate_workers (
    id bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY,
    last_heartbeat timestamp with time zone NOT NULL DEFAULT now()
);

CREATE TABLE procrastinate_jobs (
    id bigserial PRIMARY KEY,
    queue_name character varying(128) NOT NULL,
    task_name character varying(128) NOT NULL,
    priority integer NOT NULL DEFAULT 0,
    lock text,
    queueing_lock text,
    args jsonb NOT NULL DEFAULT '{}',
    status procrastinate_job_status NOT NULL DEFAULT 'todo',
    scheduled_at timestamp with time zone NULL,
    attempts integer NOT NULL DEFAULT 0,
    abort_requested boolean NOT NULL DEFAULT false,
    worker_id bigint REFERENCES procrastinate_workers (id) ON DELETE SET NULL,
    CONSTRAINT check_not_todo_abort_requested CHECK (NOT (status = 'todo' AND abort_requested = true))
);

CREATE TABLE procrastinate_periodic_defers (
    id bigserial PRIMARY KEY,
    task_name character varying(128) NOT NULL,
    defer_timestamp bigint,
    job_id bigint REFERENCES procrastinate_jobs (id) NULL,
    periodic_id character varying(128) NOT NULL DEFAULT '',
    CONSTRAINT procrastinate_periodic_defers_unique UNIQUE (task_name, periodic_id, defer_timestamp)
);

CREATE TABLE procrastinate_events (
    id bigserial PRIMARY KEY,
    job_id bigint NOT NULL REFERENCES procrastinate_jobs (id) ON DELETE CASCADE,
    type procrastinate_job_event_type,
    at timestamp with time zone DEFAULT now()
);

-- Indexes -------------------------------------------------------------------------------------------------------

-- At most one waiting job per queueing lock.
CREATE UNIQUE INDEX procrastinate_jobs_queueing_lock_idx_v1 ON procrastinate_jobs (queueing_lock) WHERE status = 'todo';
-- At most one running job per lock: the hard guarantee behind locks.
CREATE UNIQUE INDEX procrastinate_jobs_lock_idx_v1 ON procrastinate_jobs (lock) WHERE status = 'doing';
CREATE INDEX idx_procrastinate_jobs_worker_not_null ON procrastinate_jobs (worker_id) WHERE worker_id IS NOT NULL AND status = 'doing';
CREATE INDEX procrastinate_jobs_queue_name_idx_v1 ON procrastinate_jobs (queue_name);
CREATE INDEX procrastinate_jobs_id_lock_idx_v1 ON procrastinate_jobs (id, lock) WHERE status = ANY (ARRAY['todo'::procrastinate_job_status, 'doing'::procrastinate_job_status]);
CREATE INDEX procrastinate_jobs_priority_idx_v1 ON procrastinate_jobs (priority DESC, id ASC) WHERE status = 'todo';
CREATE INDEX procrastinate_events_job_id_fkey_v1 ON procrastinate_events (job_id);
CREATE INDEX procrastinate_periodic_defers_job_id_fkey_v1 ON procrastinate_periodic_defers (job_id);
CREATE INDEX idx_procrastinate_workers_last_heartbeat ON procrastinate_workers (last_heartbeat);

-- Functions called by clients -----------------------------------------------------------------------------------

-- Inserts the given jobs (status todo) and returns their ids; the triggers notify and record events.
CREATE FUNCTION procrastinate_defer_jobs_v1(jobs procrastinate_job_to_defer_v1[])
    RETURNS bigint[]
    LANGUAGE plpgsql
AS $$
DECLARE
    new_ids bigint[];
BEGIN
    WITH inserted AS (
        INSERT INTO procrastinate_jobs (queue_name, task_name, priority, lock, queueing_lock, args, scheduled_at)
        SELECT j.queue_name, j.task_name, j.priority, j.lock, j.queueing_lock, j.args, j.scheduled_at
        FROM unnest(jobs) AS j
        RETURNING id
    )
    SELECT array_agg(inserted.id) INTO new_ids FROM inserted;
    RETURN new_ids;
END;
$$;

-- Claims one tick of a periodic task and defers its job; NULL when some worker already claimed the tick.
CREATE FUNCTION procrastinate_defer_periodic_job_v2(
    _queue_name character varying,
    _lock character varying,
    _queueing_lock character varying,
    _task_name character varying,
    _priority integer,
    _periodic_id character varying,
    _defer_timestamp bigint,
    _args jsonb
)
    RETURNS bigint
    LANGUAGE plpgsql
AS $$
DECLARE
    claim_id bigint;
    new_job_id bigint;
BEGIN
    INSERT INTO procrastinate_periodic_defers (task_name, periodic_id, defer_timestamp)
    VALUES (_task_name, _periodic_id, _defer_timestamp)
    ON CONFLICT DO NOTHING
    RETURNING id INTO claim_id;

    IF claim_id IS NULL THEN
        RETURN NULL;
    END IF;

    new_job_id := (procrastinate_defer_jobs_v1(ARRAY[
        ROW(_queue_name, _task_name, _priority, _lock, _queueing_lock, _args, NULL::timestamp with time zone)::procrastinate_job_to_defer_v1
    ]))[1];

    UPDATE procrastinate_periodic_defers SET job_id = new_job_id WHERE id = claim_id;

    -- The older claims are locked in id order before they go, as Procrastinate 3.9 does, so that deferrers of any
    -- implementation running this at once take the row locks in one order and cannot deadlock.
    DELETE FROM procrastinate_periodic_defers AS d
    USING (
        SELECT older.id
        FROM procrastinate_periodic_defers AS older
        WHERE older.task_name = _task_name
          AND older.periodic_id = _periodic_id
          AND older.defer_timestamp < _defer_timestamp
        ORDER BY older.id
        FOR UPDATE
    ) AS locked
    WHERE d.id = locked.id;

    RETURN new_job_id;
END;
$$;

-- Takes the next runnable job for a worker. A job with a lock waits while another job with the same lock runs, or
-- while a waiting job with that lock comes before it (higher priority, or same priority and smaller id), wherever
-- that job is queued or scheduled. Returns a row of NULLs when nothing is runnable.
CREATE FUNCTION procrastinate_fetch_job_v2(target_queue_names character varying[], p_worker_id bigint)
    RETURNS procrastinate_jobs
    LANGUAGE plpgsql
AS $$
DECLARE
    fetched procrastinate_jobs;
BEGIN
    WITH picked AS (
        SELECT candidate.id
        FROM procrastinate_jobs AS candidate
        WHERE candidate.status = 'todo'
          AND (target_queue_names IS NULL OR candidate.queue_name = ANY (target_queue_names))
          AND (candidate.scheduled_at IS NULL OR candidate.scheduled_at <= now())
          AND NOT EXISTS (
              SELECT 1
              FROM procrastinate_jobs AS blocker
              WHERE candidate.lock IS NOT NULL
                AND blocker.lock = candidate.lock
                AND (
                    blocker.status = 'doing'
                    OR (blocker.status = 'todo'
                        AND (blocker.priority > candidate.priority
                             OR (blocker.priority = candidate.priority AND blocker.id < candidate.id)))
                )
          )
        ORDER BY candidate.priority DESC, candidate.id ASC
        LIMIT 1
        FOR UPDATE OF candidate SKIP LOCKED
    )
    UPDATE procrastinate_jobs AS jobs
    SET status = 'doing', worker_id = p_worker_id
    FROM picked
    WHERE jobs.id = picked.id
    RETURNING jobs.* INTO fetched;

    RETURN fetched;
END;
$$;

-- Ends a waiting or running job as succeeded, failed or aborted, or deletes it. Attempts grow only for a run.
CREATE FUNCTION procrastinate_finish_job_v1(job_id bigint, end_status procrastinate_job_status, delete_job boolean)
    RETURNS void
    LANGUAGE plpgsql
AS $$
DECLARE
    touched_id bigint;
BEGIN
    IF end_status NOT IN ('succeeded', 'failed', 'aborted') THEN
        RAISE 'End status must be succeeded, failed or aborted, not % (job id: %)', end_status, job_id;
    END IF;

    IF delete_job THEN
        DELETE FROM procrastinate_jobs AS j
        WHERE j.id = job_id AND j.status IN ('todo', 'doing')
        RETURNING j.id INTO touched_id;
    ELSE
        UPDATE procrastinate_jobs AS j
        SET status = end_status,
            abort_requested = false,
            attempts = CASE WHEN j.status = 'doing' THEN j.attempts + 1 ELSE j.attempts END
        WHERE j.id = job_id AND j.status IN ('todo', 'doing')
        RETURNING j.id INTO touched_id;
    END IF;

    IF touched_id IS NULL THEN
        RAISE 'Job not found, or neither waiting nor running (job id: %)', job_id;
    END IF;
END;
$$;

-- Cancels a waiting job (or deletes it); with abort, also asks a running job to stop. Returns the id, or NULL when
-- nothing matched.
CREATE FUNCTION procrastinate_cancel_job_v1(job_id bigint, abort boolean, delete_job boolean)
    RETURNS bigint
    LANGUAGE plpgsql
AS $$
DECLARE
    touched_id bigint;
BEGIN
    IF delete_job THEN
        DELETE FROM procrastinate_jobs AS j
        WHERE j.id = job_id AND j.status = 'todo'
        RETURNING j.id INTO touched_id;
    END IF;

    IF touched_id IS NULL THEN
        IF abort THEN
            UPDATE procrastinate_jobs AS j
            SET abort_requested = true,
                status = CASE WHEN j.status = 'todo' THEN 'cancelled'::procrastinate_job_status ELSE j.status END
            WHERE j.id = job_id AND j.status IN ('todo', 'doing')
            RETURNING j.id INTO touched_id;
        ELSE
            UPDATE procrastinate_jobs AS j
            SET status = 'cancelled'
            WHERE j.id = job_id AND j.status = 'todo'
            RETURNING j.id INTO touched_id;
        END IF;
    END IF;

    RETURN touched_id;
END;
$$;

-- Puts a running or failed job back in the queue at retry_at (NULL arguments keep the current values). A running
-- job whose abort was requested fails instead.
CREATE FUNCTION procrastinate_retry_job_v2(
    job_id bigint,
    retry_at timestamp with time zone,
    new_priority integer,
    new_queue_name character varying,
    new_lock character varying
)
    RETURNS void
    LANGUAGE plpgsql
AS $$
DECLARE
    current_status procrastinate_job_status;
    current_abort_requested boolean;
    touched_id bigint;
BEGIN
    SELECT j.status, j.abort_requested INTO current_status, current_abort_requested
    FROM procrastinate_jobs AS j
    WHERE j.id = job_id AND j.status IN ('doing', 'failed')
    FOR UPDATE;

    IF current_status = 'doing' AND current_abort_requested THEN
        UPDATE procrastinate_jobs AS j
        SET status = 'failed'
        WHERE j.id = job_id AND j.status = 'doing'
        RETURNING j.id INTO touched_id;
    ELSE
        UPDATE procrastinate_jobs AS j
        SET status = 'todo',
            attempts = j.attempts + 1,
            scheduled_at = retry_at,
            priority = COALESCE(new_priority, j.priority),
            queue_name = COALESCE(new_queue_name, j.queue_name),
            lock = COALESCE(new_lock, j.lock)
        WHERE j.id = job_id AND j.status IN ('doing', 'failed')
        RETURNING j.id INTO touched_id;
    END IF;

    IF touched_id IS NULL THEN
        RAISE 'Job not found, or neither running nor failed (job id: %)', job_id;
    END IF;
END;
$$;

-- Legacy variant of procrastinate_retry_job_v2 for running jobs only; kept for older clients.
CREATE FUNCTION procrastinate_retry_job_v1(
    job_id bigint,
    retry_at timestamp with time zone,
    new_priority integer,
    new_queue_name character varying,
    new_lock character varying
)
    RETURNS void
    LANGUAGE plpgsql
AS $$
DECLARE
    current_abort_requested boolean;
    touched_id bigint;
BEGIN
    SELECT j.abort_requested INTO current_abort_requested
    FROM procrastinate_jobs AS j
    WHERE j.id = job_id AND j.status = 'doing'
    FOR UPDATE;

    IF current_abort_requested THEN
        UPDATE procrastinate_jobs AS j
        SET status = 'failed'
        WHERE j.id = job_id AND j.status = 'doing'
        RETURNING j.id INTO touched_id;
    ELSE
        UPDATE procrastinate_jobs AS j
        SET status = 'todo',
            attempts = j.attempts + 1,
            scheduled_at = retry_at,
            priority = COALESCE(new_priority, j.priority),
            queue_name = COALESCE(new_queue_name, j.queue_name),
            lock = COALESCE(new_lock, j.lock)
        WHERE j.id = job_id AND j.status = 'doing'
        RETURNING j.id INTO touched_id;
    END IF;

    IF touched_id IS NULL THEN
        RAISE 'Job not found, or not running (job id: %)', job_id;
    END IF;
END;
$$;

CREATE FUNCTION procrastinate_register_worker_v1()
    RETURNS TABLE (worker_id bigint)
    LANGUAGE plpgsql
AS $$
BEGIN
    RETURN QUERY
    INSERT INTO procrastinate_workers (last_heartbeat) VALUES (now())
    RETURNING procrastinate_workers.id;
END;
$$;

CREATE FUNCTION procrastinate_unregister_worker_v1(worker_id bigint)
    RETURNS void
    LANGUAGE plpgsql
AS $$
BEGIN
    DELETE FROM procrastinate_workers AS w WHERE w.id = worker_id;
END;
$$;

CREATE FUNCTION procrastinate_update_heartbeat_v1(worker_id bigint)
    RETURNS void
    LANGUAGE plpgsql
AS $$
BEGIN
    UPDATE procrastinate_workers AS w SET last_heartbeat = now() WHERE w.id = worker_id;
END;
$$;

CREATE FUNCTION procrastinate_prune_stalled_workers_v1(seconds_since_heartbeat double precision)
    RETURNS TABLE (worker_id bigint)
    LANGUAGE plpgsql
AS $$
BEGIN
    RETURN QUERY
    DELETE FROM procrastinate_workers AS w
    WHERE w.last_heartbeat < now() - make_interval(secs => seconds_since_heartbeat)
    RETURNING w.id;
END;
$$;

-- Trigger functions ---------------------------------------------------------------------------------------------

-- Wakes the listeners of the job's queue and of every queue.
CREATE FUNCTION procrastinate_notify_queue_job_inserted_v1()
    RETURNS trigger
    LANGUAGE plpgsql
AS $$
DECLARE
    payload text := json_build_object('type', 'job_inserted', 'job_id', NEW.id)::text;
BEGIN
    PERFORM pg_notify('procrastinate_queue_v1#' || NEW.queue_name, payload);
    PERFORM pg_notify('procrastinate_any_queue_v1', payload);
    RETURN NEW;
END;
$$;

-- Tells the listeners that a running job should stop.
CREATE FUNCTION procrastinate_notify_queue_abort_job_v1()
    RETURNS trigger
    LANGUAGE plpgsql
AS $$
DECLARE
    payload text := json_build_object('type', 'abort_job_requested', 'job_id', NEW.id)::text;
BEGIN
    PERFORM pg_notify('procrastinate_queue_v1#' || NEW.queue_name, payload);
    PERFORM pg_notify('procrastinate_any_queue_v1', payload);
    RETURN NEW;
END;
$$;

CREATE FUNCTION procrastinate_trigger_function_status_events_insert_v1()
    RETURNS trigger
    LANGUAGE plpgsql
AS $$
BEGIN
    INSERT INTO procrastinate_events (job_id, type) VALUES (NEW.id, 'deferred');
    RETURN NEW;
END;
$$;

-- Records the event of a status change (see the transition table of SCHEMA.md 2.11).
CREATE FUNCTION procrastinate_trigger_function_status_events_update_v1()
    RETURNS trigger
    LANGUAGE plpgsql
AS $$
DECLARE
    event procrastinate_job_event_type;
BEGIN
    event := CASE
        WHEN OLD.status = 'todo' AND NEW.status = 'doing' THEN 'started'
        WHEN OLD.status = 'doing' AND NEW.status = 'todo' THEN 'deferred_for_retry'
        WHEN OLD.status = 'doing' AND NEW.status = 'succeeded' THEN 'succeeded'
        WHEN OLD.status = 'doing' AND NEW.status = 'failed' THEN 'failed'
        WHEN OLD.status = 'doing' AND NEW.status = 'aborted' THEN 'aborted'
        WHEN OLD.status = 'todo' AND NEW.status IN ('cancelled', 'succeeded', 'failed') THEN 'cancelled'
        WHEN OLD.status = 'failed' AND NEW.status = 'todo' THEN 'retried'
        ELSE NULL
    END;

    IF event IS NOT NULL THEN
        INSERT INTO procrastinate_events (job_id, type) VALUES (NEW.id, event);
    END IF;
    RETURN NEW;
END;
$$;

CREATE FUNCTION procrastinate_trigger_function_scheduled_events_v1()
    RETURNS trigger
    LANGUAGE plpgsql
AS $$
BEGIN
    INSERT INTO procrastinate_events (job_id, type, at) VALUES (NEW.id, 'scheduled', NEW.scheduled_at);
    RETURN NEW;
END;
$$;

CREATE FUNCTION procrastinate_trigger_abort_requested_events_procedure_v1()
    RETURNS trigger
    LANGUAGE plpgsql
AS $$
BEGIN
    INSERT INTO procrastinate_events (job_id, type) VALUES (NEW.id, 'abort_requested');
    RETURN NEW;
END;
$$;

-- Keeps the periodic claims of a deleted job, without their job.
CREATE FUNCTION procrastinate_unlink_periodic_defers_v1()
    RETURNS trigger
    LANGUAGE plpgsql
AS $$
BEGIN
    UPDATE procrastinate_periodic_defers SET job_id = NULL WHERE job_id = OLD.id;
    RETURN OLD;
END;
$$;

-- Triggers (PostgreSQL fires the triggers of one event in name order) -----------------------------------------

CREATE TRIGGER procrastinate_jobs_notify_queue_job_inserted_v1
    AFTER INSERT ON procrastinate_jobs
    FOR EACH ROW WHEN (NEW.status = 'todo')
    EXECUTE FUNCTION procrastinate_notify_queue_job_inserted_v1();

CREATE TRIGGER procrastinate_jobs_notify_queue_job_aborted_v1
    AFTER UPDATE OF abort_requested ON procrastinate_jobs
    FOR EACH ROW WHEN (OLD.abort_requested = false AND NEW.abort_requested = true AND NEW.status = 'doing')
    EXECUTE FUNCTION procrastinate_notify_queue_abort_job_v1();

CREATE TRIGGER procrastinate_trigger_status_events_insert_v1
    AFTER INSERT ON procrastinate_jobs
    FOR EACH ROW WHEN (NEW.status = 'todo')
    EXECUTE FUNCTION procrastinate_trigger_function_status_events_insert_v1();

CREATE TRIGGER procrastinate_trigger_status_events_update_v1
    AFTER UPDATE OF status ON procrastinate_jobs
    FOR EACH ROW
    EXECUTE FUNCTION procrastinate_trigger_function_status_events_update_v1();

CREATE TRIGGER procrastinate_trigger_scheduled_events_v1
    AFTER INSERT OR UPDATE ON procrastinate_jobs
    FOR EACH ROW WHEN (NEW.scheduled_at IS NOT NULL AND NEW.status = 'todo')
    EXECUTE FUNCTION procrastinate_trigger_function_scheduled_events_v1();

CREATE TRIGGER procrastinate_trigger_abort_requested_events_v1
    AFTER UPDATE OF abort_requested ON procrastinate_jobs
    FOR EACH ROW WHEN (NEW.abort_requested = true)
    EXECUTE FUNCTION procrastinate_trigger_abort_requested_events_procedure_v1();

CREATE TRIGGER procrastinate_trigger_delete_jobs_v1
    BEFORE DELETE ON procrastinate_jobs
    FOR EACH ROW
    EXECUTE FUNCTION procrastinate_unlink_periodic_defers_v1();
