#!/bin/bash
# SIGINT/SIGTERM: records already made are written, exit 130/143, no hang.
source "$(dirname "$0")/lib.sh"
start_origin main --documents 50
cut -c 131- "$MANIFEST" > "$SCRATCH/urls.txt"
for i in $(seq 20); do echo "$BASE/stall?$i"; done >> "$SCRATCH/urls.txt"

for sig in INT TERM; do
  "$FETCHSUM" -q -j 64 --per-host 64 --grace 0.5 "$SCRATCH/urls.txt" \
    > "$SCRATCH/out.$sig" 2> "$SCRATCH/err.$sig" &
  pid=$!
  # Wait until the 50 documents are written (flushed within 200 ms).
  for _ in $(seq 100); do
    [[ $(wc -l < "$SCRATCH/out.$sig") -ge 50 ]] && break
    sleep 0.1
  done
  kill -$sig $pid
  status=0
  wait $pid || status=$?
  want=$((128 + $(kill -l $sig)))
  [[ $status -eq $want ]] || fail "SIG$sig: exit $status, expected $want"
  [[ $(wc -l < "$SCRATCH/out.$sig") -eq 50 ]] || fail "SIG$sig: $(wc -l < "$SCRATCH/out.$sig") records kept"
  diff <(sort "$MANIFEST") <(sort "$SCRATCH/out.$sig") > /dev/null || fail "SIG$sig: records differ"
  [[ $(grep -c 'interrupted' "$SCRATCH/err.$sig") -eq 20 ]] || fail "SIG$sig: stalled URLs not recorded as interrupted"
done

# A second signal ends the grace at once.
"$FETCHSUM" -q --grace 60 "$SCRATCH/urls.txt" > /dev/null 2>&1 &
pid=$!
sleep 1
kill -INT $pid; sleep 0.3; kill -INT $pid
status=0
timeout 10 tail --pid=$pid -f /dev/null || fail "second SIGINT did not end the run"
wait $pid || status=$?
[[ $status -eq 130 ]] || fail "second SIGINT: exit $status"
pass "signals keep every record made"
