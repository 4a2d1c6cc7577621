#!/usr/bin/env bash
# A fault run (issue 18): two worker processes (tests/Procrastinate.TestWorker) and a deferrer running throughout,
# against a PostgreSQL cluster of the script's own, through a fast restart, an immediate (crash) restart, terminated
# backends, and an outage longer than the stalled timeout while long jobs run. Every run of a job writes its start and
# end to a file of its own (task testworker.record, 3 retries); at the end the script reports lost jobs (deferred and
# acknowledged, but missing or never finished) and concurrent double runs (two runs of one job that overlap).
#
# Usage: benchmarks/fault-run.sh            (about 3 minutes; needs the .NET SDK and PostgreSQL 15's server binaries)
# Settings (environment): FAULT_PG_PORT (54391), FAULT_SETTLE_SECONDS (10, between faults), FAULT_OUTAGE_SECONDS
# (15, must exceed the stalled timeout), FAULT_HEARTBEAT_MS (1000; the test worker's stalled timeout is ten heartbeats
# and its fence five and a half), FAULT_LONG_JOB_MS (20000), FAULT_LONG_JOBS (6), FAULT_BATCH (4 short jobs deferred
# every 0.25 s), FAULT_CONCURRENCY (4 per worker), FAULT_KEEP=1 keeps the working directory.
# The issue's scale (a 40 s outage against a 30 s stalled timeout, twenty 60 s jobs, 2,000-3,000 jobs in all, about
# 8 minutes); the concurrency leaves room beside the long jobs, which the script waits to see all running:
#   FAULT_HEARTBEAT_MS=3000 FAULT_OUTAGE_SECONDS=40 FAULT_LONG_JOB_MS=60000 FAULT_LONG_JOBS=20 \
#   FAULT_CONCURRENCY=12 FAULT_SETTLE_SECONDS=60 benchmarks/fault-run.sh
# Exit code: 0 when nothing was lost and no job ran twice at once, 1 otherwise, 2 when the run itself failed.
set -euo pipefail
cd "$(dirname "$0")/.."

PORT=${FAULT_PG_PORT:-54391}
SETTLE=${FAULT_SETTLE_SECONDS:-10}
OUTAGE=${FAULT_OUTAGE_SECONDS:-15}
HEARTBEAT_MS=${FAULT_HEARTBEAT_MS:-1000}
LONG_MS=${FAULT_LONG_JOB_MS:-20000}
LONG_JOBS=${FAULT_LONG_JOBS:-6}
BATCH=${FAULT_BATCH:-4}
CONCURRENCY=${FAULT_CONCURRENCY:-4}
BIN=${PG_BIN:-$(ls -d /usr/lib/postgresql/15/bin 2>/dev/null || dirname "$(command -v pg_ctl)")}
WORK=$(mktemp -d /tmp/procrastinate-fault-XXXXXX)
DATA=$WORK/pg
RUNS=$WORK/runs
mkdir -p "$RUNS"
chmod 777 "$WORK" "$RUNS"
DSN="Host=127.0.0.1;Port=$PORT;Username=postgres;Database=fault;Timeout=5"
STALLED_S=$(awk "BEGIN { print $HEARTBEAT_MS * 10 / 1000 }")

as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
sql() { "$BIN/psql" -X -q -At -h 127.0.0.1 -p "$PORT" -U postgres -d fault -v ON_ERROR_STOP=1 "$@"; }
log() { printf '%s %s\n' "$(date -u +%H:%M:%S)" "$*"; }
pg() { as_pg "$BIN/pg_ctl" -D "$DATA" -l "$WORK/postgres.log" -w -t 60 "$@" >/dev/null; }

PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  as_pg "$BIN/pg_ctl" -D "$DATA" -m immediate stop >/dev/null 2>&1 || true
  if [ "${FAULT_KEEP:-0}" = 1 ]; then echo "kept: $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT

log "building tests/Procrastinate.TestWorker (Release)"
dotnet build tests/Procrastinate.TestWorker -c Release -nodeReuse:false -v quiet >"$WORK/build.log" 2>&1 || { cat "$WORK/build.log"; exit 2; }
WORKER_DLL=tests/Procrastinate.TestWorker/bin/Release/net10.0/Procrastinate.TestWorker.dll

log "starting PostgreSQL on port $PORT ($DATA)"
mkdir -p "$DATA"
[ "$(id -u)" = 0 ] && chown postgres "$DATA" "$WORK"
as_pg "$BIN/initdb" -D "$DATA" -U postgres --auth=trust >"$WORK/initdb.log"
pg -o "-p $PORT -k $WORK -c listen_addresses=127.0.0.1 -c max_connections=100" start
"$BIN/psql" -X -q -h 127.0.0.1 -p "$PORT" -U postgres -d postgres -c "CREATE DATABASE fault" >/dev/null
sql -f src/Procrastinate.PostgreSql/Sql/schema.sql >/dev/null

start_worker() {
  PROCRASTINATE_TEST_WORKER_DSN=$DSN PROCRASTINATE_TEST_WORKER_HEARTBEAT_MS=$HEARTBEAT_MS \
  PROCRASTINATE_TEST_WORKER_CONCURRENCY=$CONCURRENCY PROCRASTINATE_TEST_WORKER_LOG=1 \
    dotnet "$WORKER_DLL" >"$WORK/worker-$1.log" 2>&1 &
  PIDS+=($!)
  WORKER_PIDS+=($!)
}
WORKER_PIDS=()
start_worker 1
start_worker 2

# Defers a batch through the contract's function; prints the ids once PostgreSQL acknowledged them.
defer() { # count milliseconds...
  local rows=() ms
  for ms in "$@"; do
    rows+=("ROW('default','testworker.record',0,NULL,NULL,'{\"directory\":\"$RUNS\",\"milliseconds\":$ms}'::jsonb,NULL)::procrastinate_job_to_defer_v1")
  done
  local IFS=,
  sql -c "SELECT unnest(procrastinate_defer_jobs_v1(ARRAY[${rows[*]}]))"
}

deferrer() {
  while [ ! -e "$WORK/stop-deferring" ]; do
    local batch=()
    for _ in $(seq "$BATCH"); do batch+=($((20 + RANDOM % 280))); done
    defer "${batch[@]}" >>"$WORK/deferred.txt" 2>>"$WORK/deferrer-errors.log" || true
    sleep 0.25
  done
}
deferrer &
PIDS+=($!)
DEFERRER=$!

settle() { log "running for ${SETTLE}s"; sleep "$SETTLE"; }
settle
log "fault 1: fast restart"; pg -m fast restart; settle
log "fault 2: immediate restart (crash recovery)"; pg -m immediate restart; settle
log "fault 3: terminating every backend of the database, three times"
for _ in 1 2 3; do
  sql -c "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = 'fault' AND pid <> pg_backend_pid()" >/dev/null || true
  sleep 2
done
settle

log "fault 4: $LONG_JOBS jobs of ${LONG_MS} ms, then PostgreSQL stopped for ${OUTAGE}s (stalled timeout ${STALLED_S}s)"
long=()
for _ in $(seq "$LONG_JOBS"); do long+=("$LONG_MS"); done
defer "${long[@]}" >"$WORK/long.txt"
cat "$WORK/long.txt" >>"$WORK/deferred.txt"
long_ids=$(paste -sd, "$WORK/long.txt")
for _ in $(seq 120); do
  [ "$(sql -c "SELECT count(*) FROM procrastinate_jobs WHERE id IN ($long_ids) AND status = 'doing'")" = "$LONG_JOBS" ] && break
  sleep 0.5
done
log "  long jobs running: $(sql -c "SELECT count(*) FROM procrastinate_jobs WHERE id IN ($long_ids) AND status = 'doing'") of $LONG_JOBS"
pg -m fast stop
sleep "$OUTAGE"
pg -o "-p $PORT -k $WORK -c listen_addresses=127.0.0.1 -c max_connections=100" start
settle

log "stopping the deferrer; draining"
touch "$WORK/stop-deferring"
wait "$DEFERRER" || true
for _ in $(seq 600); do
  [ "$(sql -c "SELECT count(*) FROM procrastinate_jobs WHERE status IN ('todo', 'doing')" 2>/dev/null || echo 1)" = 0 ] && break
  sleep 0.5
done
for pid in "${WORKER_PIDS[@]}"; do kill -TERM "$pid"; done
codes=()
for pid in "${WORKER_PIDS[@]}"; do
  code=0; wait "$pid" || code=$?; codes+=("$code")
done

# The runs: job id, start and end (UTC ticks; end empty when the run never ended).
for file in "$RUNS"/*.run; do
  [ -e "$file" ] || continue
  name=$(basename "$file")
  printf '%s\t%s\t%s\t%s\n' "${name%%.*}" "$name" \
    "$(awk '$1 == "start" { print $2 }' "$file")" "$(awk '$1 == "end" { print $2 }' "$file")"
done >"$WORK/runs.tsv"
grep -E '^[0-9]+$' "$WORK/deferred.txt" | sort -un >"$WORK/acknowledged.txt"

sql >"$WORK/report.txt" <<SQL
CREATE TEMP TABLE acknowledged (id bigint PRIMARY KEY);
\copy acknowledged FROM '$WORK/acknowledged.txt'
CREATE TEMP TABLE runs (job_id bigint, file text, started bigint, ended bigint);
\copy runs FROM '$WORK/runs.tsv' WITH (FORMAT text, NULL '')
SELECT 'deferred (acknowledged)', count(*) FROM acknowledged;
SELECT 'succeeded', count(*) FROM acknowledged a JOIN procrastinate_jobs j USING (id) WHERE j.status = 'succeeded';
SELECT 'failed (retries spent)', count(*) FROM acknowledged a JOIN procrastinate_jobs j USING (id) WHERE j.status = 'failed';
SELECT 'lost (missing, or not finished)', count(*) FROM acknowledged a LEFT JOIN procrastinate_jobs j USING (id)
  WHERE j.id IS NULL OR j.status NOT IN ('succeeded', 'failed');
SELECT 'succeeded without a finished run', count(*) FROM acknowledged a JOIN procrastinate_jobs j USING (id)
  WHERE j.status = 'succeeded' AND NOT EXISTS (SELECT 1 FROM runs r WHERE r.job_id = a.id AND r.ended IS NOT NULL);
SELECT 'runs', count(*) FROM runs;
SELECT 'runs that never ended', count(*) FROM runs WHERE ended IS NULL;
SELECT 'jobs run more than once (one after the other)', count(*) FROM (SELECT job_id FROM runs GROUP BY job_id HAVING count(*) > 1) AS x;
SELECT 'concurrent double runs (jobs)', count(DISTINCT a.job_id) FROM runs a JOIN runs b
  ON a.job_id = b.job_id AND a.file < b.file
 AND a.started < coalesce(b.ended, 9223372036854775807) AND b.started < coalesce(a.ended, 9223372036854775807);
SQL

fences=$(cat "$WORK"/worker-*.log | grep -c "fencing this worker" || true)
lost_lines=$(cat "$WORK"/worker-*.log | grep -c "lost its worker" || true)
echo
echo "fault run: 2 workers x concurrency $CONCURRENCY, heartbeat ${HEARTBEAT_MS} ms (stalled ${STALLED_S} s), outage ${OUTAGE} s,"
echo "           $LONG_JOBS long jobs of ${LONG_MS} ms, $BATCH short jobs (20-300 ms) every 0.25 s, ${SETTLE} s between faults"
tr '|' '\t' <"$WORK/report.txt" | awk -F'\t' '{ printf "  %-48s %s\n", $1, $2 }'
echo "  worker fences logged                             $fences"
echo "  'lost its worker' lines                          $lost_lines"
echo "  worker exit codes (SIGTERM)                      ${codes[*]}"
lost=$(awk -F'|' '/^lost/ { print $2 }' "$WORK/report.txt")
double=$(awk -F'|' '/^concurrent double runs/ { print $2 }' "$WORK/report.txt")
[ "$lost" = 0 ] && [ "$double" = 0 ] && exit 0 || exit 1
