#!/usr/bin/env bash
# Runs every Go fuzz target of the repository for FUZZTIME each (default
# 10s). `go test -fuzz` takes one target per invocation, so this finds them
# (func FuzzX(f *testing.F) in *_test.go) and runs them one by one; a
# failing input is written under the package's testdata/fuzz/FuzzX/, to be
# committed with its fix as a regression seed.
#   FUZZTIME=3s tools/fuzz.sh                 every target, 3 s each
#   tools/fuzz.sh ./pkg/httpx                 the targets of some packages
set -euo pipefail
cd "$(dirname "$0")/.."
export GOTOOLCHAIN=local
fuzztime=${FUZZTIME:-10s}

dirs=("$@")
if [ ${#dirs[@]} -eq 0 ]; then
  mapfile -t dirs < <(grep -rl --include='*_test.go' '^func Fuzz[A-Za-z0-9_]*(f \*testing.F)' pkg services tools e2e deploy \
    | xargs -n1 dirname | sort -u | sed 's|^|./|')
fi

failed=()
for dir in "${dirs[@]}"; do
  dir=${dir%/}
  for target in $(grep -ho '^func Fuzz[A-Za-z0-9_]*(f \*testing.F)' "$dir"/*_test.go | sed 's/^func \(Fuzz[A-Za-z0-9_]*\).*/\1/' | sort -u); do
    echo "== $dir $target ($fuzztime)"
    if ! go test -run '^$' -fuzz "^${target}\$" -fuzztime "$fuzztime" "$dir"; then
      failed+=("$dir $target")
    fi
  done
done
if [ ${#failed[@]} -gt 0 ]; then
  printf 'fuzz target failed: %s\n' "${failed[@]}"
  exit 1
fi
