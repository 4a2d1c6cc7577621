#!/usr/bin/env bash
# The README's promise, lived as a newcomer: every package is packed into a temporary folder feed; a new console
# project adds Procrastinate and Procrastinate.PostgreSql (and the throwaway server package) from that feed alone,
# declares a task as the quick start shows, builds (the generator comes from the package), defers and runs a job
# against PostgreSQL, then publishes as Native AOT and runs the binary. Then the `procrastinate-worker` template,
# installed from the same feed: a project is created, built, its tests run, and it is published as Native AOT.
# The packages get a version no other run has used, so a package cache cannot stand in for the feed.
# Usage: tests/Install/install-test.sh   (./test.sh runs it; PROCRASTINATE_TEST_DSN is used when set)
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d)
version="0.1.0-install.$(date +%s).$$"
cleanup() {
  cd "$repo" # the working directory is about to go: later dotnet calls need one
  rm -rf "$work"
  # Only this run's versions: other runs and real releases stay in the cache.
  local cache; cache=$(dotnet nuget locals global-packages --list | sed 's/^global-packages: //')
  rm -rf "$cache"/procrastinate*/"$version"
}
trap cleanup EXIT
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
step() { echo "-- install test: $*"; }
run() { # Runs a command with its output to a log; shows the log when it fails.
  local log="$work/step.log"
  if ! "$@" >"$log" 2>&1; then
    cat "$log" >&2
    echo "install test: FAILED: $*" >&2
    exit 1
  fi
}

step "packing every package as $version"
feed="$work/feed"
for project in "$repo"/src/*/*.csproj "$repo"/templates/*/*.csproj; do
  run dotnet pack "$project" -c Release -o "$feed" -p:Version="$version" --artifacts-path "$work/artifacts" -nodeReuse:false
done
ls "$feed"

cat >"$work/nuget.config" <<XML
<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <packageSources>
    <clear />
    <add key="procrastinate-feed" value="$feed" />
    <add key="nuget.org" value="https://api.nuget.org/v3/index.json" />
  </packageSources>
  <!-- Procrastinate's packages come from the folder feed only; everything else from the usual source. -->
  <packageSourceMapping>
    <packageSource key="procrastinate-feed">
      <package pattern="Procrastinate" />
      <package pattern="Procrastinate.*" />
    </packageSource>
    <packageSource key="nuget.org">
      <package pattern="*" />
    </packageSource>
  </packageSourceMapping>
</configuration>
XML

step "a new console project from the packages"
app="$work/InstallCheck"
run dotnet new console --aot -n InstallCheck -o "$app"
cd "$app"
for package in Procrastinate Procrastinate.PostgreSql Procrastinate.Testing.PostgreSql; do
  run dotnet add package "$package" --version "$version"
done
if grep -q "ProjectReference" InstallCheck.csproj; then
  echo "install test: the project references a project" >&2
  exit 1
fi
cp "$repo"/tests/Install/Consumer/*.cs .

step "build and run (JIT)"
run dotnet build -c Release -warnaserror -nodeReuse:false
out=$(dotnet run -c Release --no-build)
echo "$out"
grep -q "^install check: job [0-9]* Succeeded, Hello, newcomer$" <<<"$out"

step "publish as Native AOT and run the binary"
run dotnet publish -c Release -r linux-x64 -p:CppCompilerAndLinker=gcc -warnaserror -o "$work/aot" -nodeReuse:false
if grep -qE "warning (IL|AOT)[0-9]+" "$work/step.log"; then
  cat "$work/step.log" >&2
  exit 1
fi
out=$("$work/aot/InstallCheck")
echo "$out"
grep -q "^install check: job [0-9]* Succeeded, Hello, newcomer$" <<<"$out"

step "the procrastinate-worker template, installed from the feed"
hive="$work/template-hive"
cd "$work"
run dotnet new install "Procrastinate.Templates::$version" --add-source "$feed" --debug:custom-hive "$hive"
run dotnet new procrastinate-worker -n MyWorker -o "$work/MyWorker" --debug:custom-hive "$hive"
cd "$work/MyWorker"
run dotnet build MyWorker.Tests -c Release -warnaserror -nodeReuse:false
run dotnet test MyWorker.Tests -c Release --no-build
grep -E "^(Passed|Failed)!" "$work/step.log"
grep -qE "^Passed!  - Failed:     0" "$work/step.log"
run dotnet publish MyWorker -c Release -r linux-x64 -p:CppCompilerAndLinker=gcc -warnaserror -o "$work/worker-aot" -nodeReuse:false

step "the template's Native AOT binary: schema, defer, worker, jobs on a throwaway server"
# A cluster of this run's own, reached through a Unix socket in its own folder: no port to share with other runs.
pgbin=$(compgen -G "/usr/lib/postgresql/*/bin" | sort -V | tail -1)
[ -n "$pgbin" ] || { command -v pg_ctl >/dev/null && pgbin=$(dirname "$(command -v pg_ctl)"); }
pgdir=$(mktemp -d)
as_pg=()
if [ "$(id -u)" -eq 0 ]; then chown postgres "$pgdir"; as_pg=(runuser -u postgres --); fi
stop_pg() { "${as_pg[@]}" "$pgbin/pg_ctl" -D "$pgdir/data" -m immediate -w -t 30 stop >/dev/null 2>&1 || true; rm -rf "$pgdir"; }
trap 'stop_pg; cleanup' EXIT
run "${as_pg[@]}" "$pgbin/initdb" -D "$pgdir/data" -A trust -U postgres
run "${as_pg[@]}" "$pgbin/pg_ctl" -D "$pgdir/data" -w -t 60 -l "$pgdir/log" \
  -o "-c listen_addresses='' -k $pgdir -c fsync=off" start
export PROCRASTINATE_DSN="Host=$pgdir;Username=postgres;Database=postgres"
worker="$work/worker-aot/MyWorker"
run "$worker" schema --apply
run "$worker" defer greet '{"name": "template"}'
out=$(timeout 120 "$worker" worker --one-shot 2>&1) || { echo "$out" >&2; echo "install test: FAILED: worker --one-shot" >&2; exit 1; }
grep -q "^Hello, template!$" <<<"$out" || { echo "$out" >&2; echo "install test: FAILED: the job did not run" >&2; exit 1; }
out=$("$worker" jobs list 2>&1) || { echo "$out" >&2; exit 1; }
echo "$out"
grep -q "succeeded" <<<"$out" || { echo "install test: FAILED: the job is not succeeded" >&2; exit 1; }
step "passed"
