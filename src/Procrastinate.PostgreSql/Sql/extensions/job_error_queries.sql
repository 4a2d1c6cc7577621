-- Statements on Procrastinate for .NET's error table (Sql/extensions/job_errors.sql), outside Procrastinate's
-- contract: the store sends them only once it found the table.

-- name: job_errors_present --
SELECT to_regclass('procrastinate_dotnet_job_errors') IS NOT NULL;

-- name: insert_job_errors --
-- Runs after the statement that ended or retried the jobs, in the same transaction: the attempt is the job's attempts
-- as that statement left them. A job that statement deleted has no row to join, so its error is dropped with it. It
-- returns rows so that, in a batch, every statement has a result to step over. Only a row that statement changed
-- (its version was written by this transaction) gets its error: a worker's outcome it dropped (the job no longer ran
-- on that worker) must not write an error onto another run's attempt.
INSERT INTO procrastinate_dotnet_job_errors AS e (job_id, attempt, exception_type, message, details)
SELECT j.id, j.attempts, t.exception_type, t.message, t.details
FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[]) AS t (job_id, exception_type, message, details)
JOIN procrastinate_jobs AS j ON j.id = t.job_id
WHERE j.xmin = pg_current_xact_id()::xid
ON CONFLICT (job_id, attempt) DO UPDATE
SET failed_at = excluded.failed_at, exception_type = excluded.exception_type, message = excluded.message,
    details = excluded.details
RETURNING e.job_id;

-- name: list_job_errors --
SELECT attempt, failed_at, exception_type, message, details
FROM procrastinate_dotnet_job_errors
WHERE job_id = $1
ORDER BY attempt;
