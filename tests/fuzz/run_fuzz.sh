#!/bin/bash
# Runs one libFuzzer target for ctest:
#   run_fuzz.sh TARGET SEEDS WORK SECONDS
# SECONDS 0 replays every input of SEEDS once; otherwise the target fuzzes
# for SECONDS, starting from SEEDS, and writes what it finds to WORK/corpus
# (never to SEEDS) and a crashing input to WORK/crash-*. Prints one line of
# figures; the whole libFuzzer log only when the run fails.
set -uo pipefail
target=$1 seeds=$2 work=$3 seconds=$4
mkdir -p "$work/corpus"
if [[ $seconds -eq 0 ]]; then
  log=$work/replay.log
  args=(-runs=0 -artifact_prefix="$work/replay-" "$seeds")
else
  log=$work/fuzz.log
  rm -f "$work"/crash-* "$work"/leak-* "$work"/timeout-* "$work"/oom-*
  # -timeout: one input may take 10 s at most; a hang is a finding too.
  args=(-max_total_time="$seconds" -timeout=10 -print_final_stats=1
        -artifact_prefix="$work/" "$work/corpus" "$seeds")
fi
export ASAN_OPTIONS=${ASAN_OPTIONS:-}:halt_on_error=1:abort_on_error=0
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-}:halt_on_error=1:print_stacktrace=1
started=$SECONDS
"$target" "${args[@]}" > "$log" 2>&1
rc=$?
took=$((SECONDS - started))
inputs=$(find "$seeds" -type f | wc -l)
if [[ $seconds -eq 0 ]]; then
  echo "$(basename "$target"): replayed $inputs seed inputs, exit $rc"
else
  # The final stats, or after a crash the last status line's "#N".
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
  [[ -n $runs ]] || runs=$(grep -o '^#[0-9]*' "$log" | tail -n 1 | tr -d '#')
  found=$(find "$work/corpus" -type f | wc -l)
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -n 1)
  echo "$(basename "$target"): ${runs:-?} runs in $took s, $inputs seeds" \
       "+ $found found inputs, ${cov:-cov: ?}, exit $rc"
fi
if [[ $rc -ne 0 ]]; then
  cat "$log"
  ls "$work"/crash-* "$work"/leak-* "$work"/timeout-* "$work"/oom-* 2>/dev/null \
    | sed 's/^/artifact: /'
fi
exit "$rc"
