#!/bin/bash
# The concurrency caps hold on the wire: the origin measures the peak number
# of requests in flight.
source "$(dirname "$0")/lib.sh"

# peak_with NAME FETCHSUM-OPTIONS...: a fresh origin, 300 documents plus slow
# ones (so transfers overlap long enough to measure), fetched with the given
# options; sets PEAK to the origin's peak of requests in flight. (Not run in
# $(...): the origin would be a child of that subshell.)
peak_with() {
  local name=$1
  shift
  start_origin "$name" --documents 300
  { cut -c 131- "$MANIFEST"; for i in $(seq 40); do echo "$BASE/slow/50?$i"; done; } > "$SCRATCH/$name.txt"
  "$FETCHSUM" -q "$@" "$SCRATCH/$name.txt" > /dev/null 2>&1 || fail "run with $* failed"
  PEAK=$(curl -sf "$BASE/stats" | awk '/^peak_in_flight/ {print $2}')
}

peak_with per_host -j 64 --per-host 4
p=$PEAK
[[ $p -le 4 ]] || fail "--per-host 4: the origin saw $p requests at once"
[[ $p -ge 2 ]] || fail "--per-host 4: never more than $p at once, so nothing ran in parallel"

peak_with global -j 3 --per-host 64
p=$PEAK
[[ $p -le 3 ]] || fail "-j 3: the origin saw $p requests at once"
[[ $p -ge 2 ]] || fail "-j 3: never more than $p at once"
pass "per-host and global caps hold on the wire"
