#!/bin/bash
# The concurrency caps hold on the wire: the origin measures the peak number
# of requests in flight.
source "$(dirname "$0")/lib.sh"

peak() {
  curl -sf "$BASE/stats" | awk '/^peak_in_flight/ {print $2}'
}

# 300 documents plus slow ones, so transfers overlap long enough to measure.
start_origin per_host --documents 300
{ cut -c 131- "$MANIFEST"; for i in $(seq 40); do echo "$BASE/slow/50?$i"; done; } > "$SCRATCH/urls.txt"
"$FETCHSUM" -q -j 64 --per-host 4 "$SCRATCH/urls.txt" > /dev/null 2>&1 || fail "per-host run failed"
p=$(peak)
[[ $p -le 4 ]] || fail "--per-host 4: the origin saw $p requests at once"
[[ $p -ge 2 ]] || fail "--per-host 4: never more than $p at once, so nothing ran in parallel"

start_origin global --documents 300
{ cut -c 131- "$MANIFEST"; for i in $(seq 40); do echo "$BASE/slow/50?$i"; done; } > "$SCRATCH/urls2.txt"
"$FETCHSUM" -q -j 3 --per-host 64 "$SCRATCH/urls2.txt" > /dev/null 2>&1 || fail "global-cap run failed"
p=$(peak)
[[ $p -le 3 ]] || fail "-j 3: the origin saw $p requests at once"
[[ $p -ge 2 ]] || fail "-j 3: never more than $p at once"
pass "per-host and global caps hold on the wire"
