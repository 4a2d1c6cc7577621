-- Procrastinate for .NET's own index, outside Procrastinate's contract: the waiting jobs of each queue, in the order
-- a worker takes them. The contract's procrastinate_jobs_priority_idx_v1 (priority DESC, id) holds every queue's
-- waiting jobs together, so a worker of one queue walks past the backlog of all the others on every fetch; with this
-- index, and the fetch statement the store switches to when it finds it, the worker reads its own queue's jobs only.
-- Python Procrastinate never names it: its functions and queries leave the choice of index to the planner, it is not
-- unique (no insert can fail on it), and its only cost is its upkeep on every insert and status change.
-- CONCURRENTLY: building it does not block defers, fetches or finishes on a live database; it cannot run inside a
-- transaction block (drop the word to run this file in one, at the price of locking writes while it builds).
CREATE INDEX CONCURRENTLY IF NOT EXISTS procrastinate_dotnet_jobs_queue_todo_idx
    ON procrastinate_jobs (queue_name, priority DESC, id) WHERE status = 'todo';
