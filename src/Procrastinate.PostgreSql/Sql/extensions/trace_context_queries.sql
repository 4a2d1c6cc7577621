-- Statements on Procrastinate for .NET's trace context table (Sql/extensions/trace_contexts.sql), outside
-- Procrastinate's contract: the store sends them only with StoreTraceContext on, once the table exists.

-- name: defer_jobs_traced --
-- defer_jobs plus each job's trace context, in procrastinate_dotnet_trace_contexts (Sql/extensions), in the same
-- statement: the job and its context become visible together. Ids are handed out in input order, as in
-- defer_jobs, so the n-th smallest id is the n-th input row.
WITH input AS (
    SELECT *
    FROM unnest($1::character varying[], $2::character varying[], $3::integer[], $4::text[], $5::text[], $6::text[],
                $7::timestamp with time zone[], $8::text[], $9::text[])
         WITH ORDINALITY AS t (queue_name, task_name, priority, lock, queueing_lock, args, scheduled_at, traceparent,
                               tracestate, position)
),
inserted AS (
    INSERT INTO procrastinate_jobs (queue_name, task_name, priority, lock, queueing_lock, args, scheduled_at)
    SELECT queue_name, task_name, priority, lock, queueing_lock, args::jsonb, scheduled_at FROM input ORDER BY position
    RETURNING id
),
numbered AS (
    SELECT id, row_number() OVER (ORDER BY id) AS position FROM inserted
),
traced AS (
    INSERT INTO procrastinate_dotnet_trace_contexts (job_id, traceparent, tracestate)
    SELECT numbered.id, input.traceparent, input.tracestate
    FROM numbered JOIN input USING (position)
    WHERE input.traceparent IS NOT NULL
)
SELECT id FROM inserted;

-- name: insert_trace_context --
-- A periodic job's trace context ($1 the id procrastinate_defer_periodic_job_v2 returned, $2 traceparent, $3
-- tracestate), in the transaction that deferred the job: the job and its context become visible together.
INSERT INTO procrastinate_dotnet_trace_contexts (job_id, traceparent, tracestate) VALUES ($1, $2, $3);

-- name: select_trace_contexts --
SELECT job_id, traceparent, tracestate FROM procrastinate_dotnet_trace_contexts WHERE job_id = ANY ($1::bigint[]);
