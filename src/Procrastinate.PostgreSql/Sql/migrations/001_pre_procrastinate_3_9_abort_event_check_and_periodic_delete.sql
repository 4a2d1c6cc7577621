-- One transaction. Brings a schema created by an earlier Procrastinate for .NET to Procrastinate 3.9.0's exact
-- definitions of three objects, which those versions wrote differently:
-- - procrastinate_trigger_abort_requested_events_v1 fires on every update that sets abort_requested to true, so a
--   second abort request of a running job writes a second abort_requested event (it used to fire only on the first);
-- - check_not_todo_abort_requested is spelled as 3.9 spells it (same rule, so no row can violate it; re-adding it
--   scans procrastinate_jobs under a short exclusive lock);
-- - procrastinate_defer_periodic_job_v2 locks the older claims of a periodic task in id order before deleting them,
--   so that deferrers of any implementation running it at once cannot deadlock.
-- Idempotent, and a no-op in effect on a schema that Python Procrastinate 3.9 applied. Old workers keep working: the
-- only new behaviour is the extra event. `schema --check` passes after it.
DROP TRIGGER IF EXISTS procrastinate_trigger_abort_requested_events_v1 ON procrastinate_jobs;
CREATE TRIGGER procrastinate_trigger_abort_requested_events_v1
    AFTER UPDATE OF abort_requested ON procrastinate_jobs
    FOR EACH ROW WHEN (NEW.abort_requested = true)
    EXECUTE FUNCTION procrastinate_trigger_abort_requested_events_procedure_v1();

ALTER TABLE procrastinate_jobs
    DROP CONSTRAINT IF EXISTS check_not_todo_abort_requested,
    ADD CONSTRAINT check_not_todo_abort_requested CHECK (NOT (status = 'todo' AND abort_requested = true));

CREATE OR REPLACE FUNCTION procrastinate_defer_periodic_job_v2(
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
