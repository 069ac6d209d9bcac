#!/bin/bash
# Runs one suite of the unit-test binary and fails if it ran no test at all:
# CAF's runner exits 0 when a -s filter matches nothing.
set -uo pipefail
bin=$1 suite=$2
out=$("$bin" -n -r 120 -s "^${suite}\$" 2>&1); rc=$?
printf '%s\n' "$out"
[[ $rc -eq 0 ]] || exit "$rc"
tests=$(sed -n 's/^ *tests: *\([0-9]*\).*/\1/p' <<<"$out" | tail -n 1)
if [[ -z $tests || $tests -eq 0 ]]; then
  echo "run_suite.sh: suite '$suite' ran no test" >&2
  exit 1
fi
