#!/bin/bash
# Runs one ctest command of a sanitizer build (-DFETCHSUM_SANITIZE=...):
#   sanitized.sh REPORT_DIR COMMAND [ARG]...
# Every instrumented process the command starts (the unit-test binary,
# fetchsum, fetchsum-origin) exits 86 at its first sanitizer report, and
# writes ASan, LSan and TSan reports to REPORT_DIR/report.PID instead of
# stderr. The test fails if any report file exists afterwards, or if its
# output shows a report, whatever the command's exit status: integration
# tests expect exit statuses 1, 2 or 130 of fetchsum and run some commands
# with `|| true`, so an exit status alone could hide a report.
# UBSan reports reach stderr only: with gcc, UBSan's runtime (libubsan) is
# separate from ASan's, and its log_path is never applied when both are
# loaded. Such a report fails the test through its output or exit status 86.
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
# Tests that starve the process of descriptors skip that part under a
# sanitizer: its runtime needs descriptors itself (UBSan's vptr check probes
# memory through a pipe, and reports "invalid vptr" when it cannot make one).
export FETCHSUM_SANITIZED=1
"$@" 2>&1 | tee "$reports/output"
rc=${PIPESTATUS[0]}
shopt -s nullglob
found=("$reports"/report.*)
if ((${#found[@]})); then
  echo "sanitized.sh: ${#found[@]} sanitizer report(s), command exit status $rc:"
  cat "${found[@]}"
  exit 1
fi
if grep -Eq '(runtime error|ERROR: [A-Za-z]+Sanitizer|WARNING: ThreadSanitizer)' \
     "$reports/output"; then
  echo "sanitized.sh: a sanitizer report in the output, command exit status $rc"
  exit 1
fi
exit "$rc"
