#!/usr/bin/env bash
# The project's test command (the README's and CI's): installs PostgreSQL when its binaries are missing, checks
# formatting, builds, runs every test project, prints "N passed, N failed" and fails on any failure or no test.
set -euo pipefail
cd "$(dirname "$0")"

have_pg_binaries() {
  command -v initdb >/dev/null 2>&1 && return 0
  command -v pg_config >/dev/null 2>&1 && [ -x "$(pg_config --bindir)/initdb" ] && return 0
  compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null 2>&1
}

if [ -z "${PROCRASTINATE_TEST_DSN:-}" ] && ! have_pg_binaries; then
  echo "test.sh: PostgreSQL binaries not found; installing the postgresql package" >&2
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq postgresql >/dev/null
  # The package may start a cluster of its own; the tests start their own servers.
  $SUDO service postgresql stop >/dev/null 2>&1 || true
fi

# The dashboard's browser tests drive Debian's headless Chromium through its chromedriver.
if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ]; then
  echo "test.sh: chromium or chromedriver not found; installing the chromium and chromium-driver packages" >&2
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium chromium-driver >/dev/null
fi

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

echo "== restore and build"
dotnet restore Procrastinate.sln
dotnet build Procrastinate.sln --no-restore -c Debug -nodeReuse:false

# The Native AOT publish of the sample worker runs in the background while formatting is checked and tests run; its
# own artifacts path keeps its restore and build apart from the Debug build. Any trim or AOT warning fails it.
echo "== Native AOT publish of samples/AotWorker (background)"
aot_dir=$(mktemp -d)
trap 'rm -rf "$aot_dir"' EXIT
(
  dotnet publish samples/AotWorker/AotWorker.csproj -c Release -r linux-x64 -p:CppCompilerAndLinker=gcc \
    --artifacts-path "$aot_dir/artifacts" -o "$aot_dir/bin" -warnaserror -nodeReuse:false >"$aot_dir/publish.log" 2>&1
  echo $? >"$aot_dir/rc"
) &
aot_pid=$!

echo "== formatting (dotnet format whitespace/style --verify-no-changes)"
dotnet format whitespace Procrastinate.sln --verify-no-changes
dotnet format style Procrastinate.sln --no-restore --verify-no-changes

echo "== tests"
log=$(mktemp)
trap 'rm -f "$log"; rm -rf "$aot_dir"' EXIT
set +e
dotnet test Procrastinate.sln --no-build -c Debug 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e

echo "== Native AOT: the published binary applies the schema, defers, runs worker --one-shot, manages jobs"
wait "$aot_pid" || true
if [ "$(cat "$aot_dir/rc" 2>/dev/null || echo 1)" -ne 0 ] || grep -qE "warning (IL|AOT)[0-9]+" "$aot_dir/publish.log"; then
  grep -E "error|warning" "$aot_dir/publish.log" | sort -u >&2 || tail -n 40 "$aot_dir/publish.log" >&2
  echo "test.sh: Native AOT publish of samples/AotWorker FAILED (or warned)" >&2
  exit 1
fi
echo "binary: $(du -h "$aot_dir/bin/AotWorker" | cut -f1) ($aot_dir/bin/AotWorker)"
set +e
PROCRASTINATE_AOT_WORKER="$aot_dir/bin/AotWorker" dotnet test tests/Procrastinate.Cli.Tests/Procrastinate.Cli.Tests.csproj \
  --no-build -c Debug --filter "FullyQualifiedName~WorkerBinaryTests" 2>&1 | tee -a "$log"
aot_status=${PIPESTATUS[0]}
set -e
if [ "$aot_status" -ne 0 ]; then
  status=$aot_status
fi

# One summary line per test assembly: "Passed!  - Failed:     0, Passed:    12, Skipped:     0, Total:    12, ..."
read -r passed failed skipped assemblies < <(grep -E '^(Passed|Failed)!  - Failed:' "$log" | awk -F'[:,]' '
  { f += $2; p += $4; s += $6; n++ } END { printf "%d %d %d %d\n", p, f, s, n }')
echo
echo "test assemblies: ${assemblies}"
echo "tests: ${passed} passed, ${failed} failed, ${skipped} skipped"
if [ "$status" -ne 0 ] || [ "$failed" -ne 0 ]; then
  echo "test.sh: FAILED (dotnet test exit code $status)" >&2
  exit 1
fi
if [ "$passed" -eq 0 ]; then
  echo "test.sh: no test ran" >&2
  exit 1
fi

echo "== quick start (the README's first command), on PostgreSQL and in memory"
for mode in "" --in-memory; do
  out=$(dotnet run --project samples/QuickStart --no-build -- $mode)
  echo "$out"
  grep -q "^With a lock the file reads: abcd$" <<<"$out" || { echo "test.sh: quick start $mode failed" >&2; exit 1; }
done

echo "== install test: every package from a folder feed into a new project, and the dotnet new template (JIT and Native AOT)"
install_start=$SECONDS
tests/Install/install-test.sh
echo "install test: $((SECONDS - install_start)) s"
echo "test.sh: done in $SECONDS s"
echo "tests: ${passed} passed, ${failed} failed, ${skipped} skipped"
