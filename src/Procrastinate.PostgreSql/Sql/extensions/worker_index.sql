-- Procrastinate for .NET's own index, outside Procrastinate's contract: the jobs of each worker. The contract's
-- foreign key procrastinate_jobs.worker_id ON DELETE SET NULL makes every removal of a worker (a worker that stops
-- unregisters; stalled workers are pruned) look up that worker's jobs, finished ones included, which keep their
-- worker_id; the contract's only index on the column, idx_procrastinate_jobs_worker_not_null, holds running jobs only,
-- so without this one each removal reads the whole table (about a second at 10 million jobs).
-- Python Procrastinate never names it: the foreign key's own statement finds it, it is not unique (no write can fail
-- on it), and its cost is its upkeep when a job is fetched and when it ends.
-- CONCURRENTLY: building it does not block defers, fetches or finishes on a live database; it cannot run inside a
-- transaction block (drop the word to run this file in one, at the price of locking writes while it builds).
CREATE INDEX CONCURRENTLY IF NOT EXISTS procrastinate_dotnet_jobs_worker_idx
    ON procrastinate_jobs (worker_id) WHERE worker_id IS NOT NULL;
