-- Procrastinate for .NET's own table, outside Procrastinate's contract: the error of each failed attempt of a job (the
-- exception's type, message and details), which Procrastinate 3.9's schema has no place for. Once it exists, .NET
-- workers write one row per failed attempt (a run that fails or is retried), in the same transaction as the job's
-- new status, and the dashboard's job page shows them. The texts are cut by the client (Procrastinate.Storage.JobError:
-- type 256, message 2,000, details 8,000 characters), with the store's connection secrets removed. Rows go with their
-- job. Python Procrastinate never reads or writes it; its jobs and workers are unaffected.
CREATE TABLE IF NOT EXISTS procrastinate_dotnet_job_errors (
    job_id bigint NOT NULL REFERENCES procrastinate_jobs (id) ON DELETE CASCADE,
    attempt integer NOT NULL,
    failed_at timestamp with time zone NOT NULL DEFAULT now(),
    exception_type text NOT NULL,
    message text NOT NULL,
    details text,
    PRIMARY KEY (job_id, attempt)
);
