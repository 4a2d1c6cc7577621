#!/usr/bin/env bash
# Records a library's public API changes in its PublicAPI.Unshipped.txt: builds each project given and adds every
# symbol the build reports as undeclared (RS0016), removes every one it reports as gone (RS0017), and sorts the file.
# Review the diff: it is the public change. Usage: tools/update-public-api.sh src/Procrastinate/Procrastinate.csproj ...
# (list a library before the ones that reference it: a library that fails to build stops those after it).
set -euo pipefail
cd "$(dirname "$0")/.."
for project in "$@"; do
  dir=$(dirname "$project")
  file="$dir/PublicAPI.Unshipped.txt"
  log=$(mktemp)
  dotnet build "$project" -nodeReuse:false -p:TreatWarningsAsErrors=false -p:WarningsAsErrors= >"$log" 2>&1 || true
  # Only this project's diagnostics: a referenced library built on the way reports its own (ending "[its.csproj::...]").
  own=$(grep -F "[$PWD/$project::" "$log" || true)
  added=$(grep -oP "RS0016: Symbol '\K.*?(?=' is not part of the declared public API)" <<<"$own" | sort -u || true)
  removed=$(grep -oP "RS0017: Symbol '\K.*?(?=' is part of the declared API, but is either not public or could not be found)" <<<"$own" | sort -u || true)
  {
    grep -vxF -e '#nullable enable' "$file" | grep -vxF -f <(printf '%s\n' "$removed") || true
    if [ -n "$added" ]; then printf "%s\n" "$added"; fi
  } | LC_ALL=C sort -u >"$log.new"
  { echo '#nullable enable'; grep -v '^$' "$log.new" || true; } >"$file"
  echo "$project: $(grep -c . <<<"$added" || true) added, $(grep -c . <<<"$removed" || true) removed"
  if grep -qE "error (CS|RS)[0-9]+" "$log"; then
    grep -E "error (CS|RS)[0-9]+" "$log" | grep -vE "RS001[67]" | sort -u | head -20 >&2 || true
  fi
  rm -f "$log" "$log.new"
done
