#!/usr/bin/env bash
# Measures a published worker binary against a PostgreSQL database that holds the schema (see docs/native-aot.md):
# size, start-up time to ready (the "listening" line, printed right before the first fetch), memory idle and under load.
# A quick look; workload W7 of benchmarks/Procrastinate.Bench measures start to the first fetch itself, from the database.
# Usage: samples/AotWorker/measure.sh BINARY DSN [JOBS] [CONCURRENCY]
# The jobs table of DSN is emptied. psql must reach DSN (a postgresql:// URI).
set -euo pipefail
binary=$1 dsn=$2 jobs=${3:-20000} concurrency=${4:-10}
export PROCRASTINATE_DSN=$dsn
work=$(mktemp -d)
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$work"' EXIT
pid=

now_ms() { date +%s%3N; }
rss_kb() { awk '/^VmRSS/ { print $2 }' "/proc/$1/status"; }
hwm_kb() { awk '/^VmHWM/ { print $2 }' "/proc/$1/status"; }

# Starts a waiting worker with stderr to $work/err; returns once it printed that it listens; sets pid and ready_ms.
start_worker() {
  : >"$work/err"
  local start; start=$(now_ms)
  "$binary" worker "$@" 2>"$work/err" >/dev/null &
  pid=$!
  until grep -q " listening on " "$work/err"; do
    kill -0 "$pid" 2>/dev/null || { cat "$work/err" >&2; exit 1; }
    sleep 0.005
  done
  ready_ms=$(( $(now_ms) - start ))
}

stop_worker() { kill -TERM "$pid"; wait "$pid" || true; pid=; }

echo "binary: $binary"
echo "size: $(stat -c %s "$binary") bytes ($(du -h "$binary" | cut -f1))"
psql -q "$dsn" -c "TRUNCATE procrastinate_events, procrastinate_jobs, procrastinate_workers RESTART IDENTITY CASCADE"

version_ms=()
for _ in 1 2 3 4 5; do
  start=$(now_ms); "$binary" --version >/dev/null; version_ms+=($(( $(now_ms) - start )))
done
echo "--version, 5 runs (ms): ${version_ms[*]}"

ready=()
for _ in 1 2 3 4 5; do
  start_worker
  ready+=("$ready_ms")
  stop_worker
done
echo "start-up to ready (worker, first fetch next), 5 runs (ms): ${ready[*]}"

start_worker
sleep 5
echo "idle worker after 5 s: RSS $(rss_kb "$pid") kB"
stop_worker

psql -q "$dsn" -c "INSERT INTO procrastinate_jobs (queue_name, task_name, args)
  SELECT 'default', 'sample.add', json_build_object('a', i, 'b', 1)::jsonb FROM generate_series(1, $jobs) AS i"
start=$(now_ms)
start_worker --concurrency "$concurrency" --fetch-job-polling-interval 0.1
peak=0
while :; do
  left=$(psql -qtA "$dsn" -c "SELECT count(*) FROM procrastinate_jobs WHERE status IN ('todo', 'doing')")
  rss=$(rss_kb "$pid"); [ "$rss" -gt "$peak" ] && peak=$rss
  [ "$left" -eq 0 ] && break
  sleep 0.2
done
elapsed=$(( $(now_ms) - start ))
echo "load: $jobs jobs, concurrency $concurrency, done in ${elapsed} ms ($(( jobs * 1000 / elapsed )) jobs/s, INFO log to a file)"
echo "under load: RSS peak sampled $peak kB, VmHWM $(hwm_kb "$pid") kB"
stop_worker
psql -qtA "$dsn" -c "SELECT status, count(*) FROM procrastinate_jobs GROUP BY status"
