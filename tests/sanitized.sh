#!/bin/bash
# Runs one ctest command of a sanitizer build (-DFETCHSUM_SANITIZE=...):
#   sanitized.sh REPORT_DIR COMMAND [ARG]...
# Every instrumented process the command starts (the unit-test binary,
# fetchsum, fetchsum-origin) writes a sanitizer report to REPORT_DIR/report.PID
# instead of stderr and exits 86 at the first one. The test fails if any
# report exists afterwards, whatever the command's exit status: integration
# tests expect exit statuses 1, 2 or 130 of fetchsum and run some commands
# with `|| true`, so an exit status alone could hide a report.
set -uo pipefail
reports=$1
shift
rm -rf "$reports"
mkdir -p "$reports"
# 86: no exit status fetchsum or the tests use. Leak checking is on (ASan's
# default): no leak has been reported, in CAF or elsewhere, so there is no
# suppressions file.
common="exitcode=86:log_path=$reports/report"
export ASAN_OPTIONS="$common:halt_on_error=1:detect_leaks=1:strict_string_checks=1:check_initialization_order=1:detect_stack_use_after_return=1${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
export UBSAN_OPTIONS="$common:halt_on_error=1:print_stacktrace=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"
export TSAN_OPTIONS="$common:halt_on_error=1:second_deadlock_stack=1${TSAN_OPTIONS:+:$TSAN_OPTIONS}"
"$@"
rc=$?
shopt -s nullglob
found=("$reports"/report.*)
if ((${#found[@]})); then
  echo "sanitized.sh: ${#found[@]} sanitizer report(s), command exit status $rc:"
  cat "${found[@]}"
  exit 1
fi
exit "$rc"
