#!/usr/bin/env bash
# Runs every Go fuzz target of the repository for FUZZTIME each (default
# 20000x, that is 20,000 executions). `go test -fuzz` takes one target per
# invocation, so this finds them (func FuzzX(f *testing.F) in *_test.go) and
# runs them one by one; a failing input is written under the package's
# testdata/fuzz/FuzzX/, to be committed with its fix as a regression seed.
#
# Prefer a count (Nx) to a duration: with a duration, Go 1.26's fuzz
# coordinator can report its own -fuzztime deadline as a failure ("context
# deadline exceeded", no failing input) when a loaded machine starves a
# worker at the boundary (golang/go#75804, fixed in Go 1.27). A count has no
# such deadline; a slow machine only takes longer.
#   FUZZTIME=2000x tools/fuzz.sh              every target, 2,000 executions
#   FUZZTIME=30s tools/fuzz.sh                every target, 30 s each
#   tools/fuzz.sh ./pkg/httpx                 the targets of some packages
set -euo pipefail
cd "$(dirname "$0")/.."
export GOTOOLCHAIN=local
fuzztime=${FUZZTIME:-20000x}

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
