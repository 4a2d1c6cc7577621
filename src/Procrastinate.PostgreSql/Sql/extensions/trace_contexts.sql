-- Procrastinate for .NET's own table, outside Procrastinate's contract: the W3C trace context of the span that
-- deferred a job, so that the span of its run continues the trace in another process. Procrastinate's jobs table
-- has no column for it and a job's args are its task's keyword arguments, so it lives here, one row per job
-- deferred while tracing was on, written in the same statement as the job and deleted with it. Python
-- Procrastinate never reads it; its jobs and workers are unaffected.
CREATE TABLE IF NOT EXISTS procrastinate_dotnet_trace_contexts (
    job_id bigint PRIMARY KEY REFERENCES procrastinate_jobs (id) ON DELETE CASCADE,
    traceparent text NOT NULL,
    tracestate text
);
