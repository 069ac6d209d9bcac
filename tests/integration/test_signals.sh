#!/bin/bash
# SIGINT/SIGTERM/SIGHUP: records already made are written, exit 130/143/129,
# no hang. SIGUSR1 prints a status line and leaves the others working, as
# does any other signal that does not end the run.
source "$(dirname "$0")/lib.sh"
start_origin main --documents 50
cut -c 131- "$MANIFEST" > "$SCRATCH/urls.txt"
for i in $(seq 20); do echo "$BASE/stall?$i"; done >> "$SCRATCH/urls.txt"

for sig in INT TERM HUP; do
  "$FETCHSUM" -q -j 64 --per-host 64 --grace 0.5 "$SCRATCH/urls.txt" \
    > "$SCRATCH/out.$sig" 2> "$SCRATCH/err.$sig" &
  pid=$!
  # Wait until the 50 documents are written (flushed within 200 ms).
  for _ in $(seq 100); do
    [[ $(wc -l < "$SCRATCH/out.$sig") -ge 50 ]] && break
    sleep 0.1
  done
  # A status request first: it must not disable the stop signals.
  kill -USR1 $pid
  for _ in $(seq 50); do
    grep -q 'URLs read' "$SCRATCH/err.$sig" && break
    sleep 0.1
  done
  grep -q '^fetchsum: 70 URLs read (all), 20 running, 50 done (50 ok, 0 failed)' "$SCRATCH/err.$sig" \
    || fail "SIGUSR1: no status line: $(cat "$SCRATCH/err.$sig")"
  kill -$sig $pid
  status=0
  timeout 20 tail --pid=$pid -f /dev/null || fail "SIG$sig after SIGUSR1 did not end the run"
  wait $pid || status=$?
  want=$((128 + $(kill -l $sig)))
  [[ $status -eq $want ]] || fail "SIG$sig: exit $status, expected $want"
  [[ $(wc -l < "$SCRATCH/out.$sig") -eq 50 ]] || fail "SIG$sig: $(wc -l < "$SCRATCH/out.$sig") records kept"
  diff <(sort "$MANIFEST") <(sort "$SCRATCH/out.$sig") > /dev/null || fail "SIG$sig: records differ"
  [[ $(grep -c 'interrupted' "$SCRATCH/err.$sig") -eq 20 ]] || fail "SIG$sig: stalled URLs not recorded as interrupted"
done

# Any other signal leaves the stop signals working. Those ignored by default
# (SIGWINCH, SIGURG, SIGCHLD, SIGCONT) and a stop and continue (Ctrl-Z, fg)
# leave the run going: SIGUSR1 still answers, SIGINT still ends it cleanly.
"$FETCHSUM" -q -j 64 --per-host 64 --grace 0.5 "$SCRATCH/urls.txt" \
  > "$SCRATCH/out.other" 2> "$SCRATCH/err.other" &
pid=$!
for _ in $(seq 100); do
  [[ $(wc -l < "$SCRATCH/out.other") -ge 50 ]] && break
  sleep 0.1
done
kill -STOP $pid
sleep 0.3
kill -CONT $pid
for sig in WINCH URG CHLD CONT; do
  kill -$sig $pid
  sleep 0.1
done
kill -0 $pid 2> /dev/null || fail "a signal ignored by default ended the run"
kill -USR1 $pid
for _ in $(seq 50); do
  grep -q 'URLs read' "$SCRATCH/err.other" && break
  sleep 0.1
done
grep -q '^fetchsum: 70 URLs read (all), 20 running, 50 done' "$SCRATCH/err.other" \
  || fail "no status line after other signals: $(cat "$SCRATCH/err.other")"
kill -INT $pid
timeout 20 tail --pid=$pid -f /dev/null || fail "SIGINT after other signals did not end the run"
status=0
wait $pid || status=$?
[[ $status -eq 130 ]] || fail "SIGINT after other signals: exit $status, expected 130"
diff <(sort "$MANIFEST") <(sort "$SCRATCH/out.other") > /dev/null \
  || fail "SIGINT after other signals: $(wc -l < "$SCRATCH/out.other") records kept"
[[ $(grep -c 'interrupted' "$SCRATCH/err.other") -eq 20 ]] \
  || fail "SIGINT after other signals: stalled URLs not recorded as interrupted"

# SIGUSR2 (like SIGALRM, SIGPROF and the real-time signals, whose default
# would end the run with up to 200 ms of records unwritten) interrupts the
# run as SIGTERM does: exit 128 + its number, every record made written.
"$FETCHSUM" -q -j 64 --per-host 64 --grace 0.2 --journal "$SCRATCH/usr2.jsonl" "$SCRATCH/urls.txt" \
  > "$SCRATCH/out.usr2" 2> "$SCRATCH/err.usr2" &
pid=$!
for _ in $(seq 100); do
  [[ -f $SCRATCH/usr2.jsonl && $(wc -l < "$SCRATCH/usr2.jsonl") -ge 50 ]] && break
  sleep 0.1
done
kill -USR2 $pid
timeout 20 tail --pid=$pid -f /dev/null || fail "SIGUSR2 did not end the run"
status=0
wait $pid || status=$?
[[ $status -eq $((128 + $(kill -l USR2))) ]] || fail "SIGUSR2: exit $status"
[[ $(grep -c '"ok":true' "$SCRATCH/usr2.jsonl") -eq 50 ]] \
  || fail "SIGUSR2: the journal lost records: $(wc -l < "$SCRATCH/usr2.jsonl")"
[[ $(wc -l < "$SCRATCH/out.usr2") -eq 50 ]] \
  || fail "SIGUSR2: standard output lost records: $(wc -l < "$SCRATCH/out.usr2") of 50"
grep -vxFf "$MANIFEST" "$SCRATCH/out.usr2" && fail "SIGUSR2: a torn or wrong record"
[[ $(grep -c 'interrupted' "$SCRATCH/err.usr2") -eq 20 ]] \
  || fail "SIGUSR2: stalled URLs not recorded as interrupted"

# A second signal ends the grace at once.
"$FETCHSUM" -q --grace 60 "$SCRATCH/urls.txt" > /dev/null 2>&1 &
pid=$!
sleep 1
kill -INT $pid; sleep 0.3; kill -INT $pid
status=0
timeout 10 tail --pid=$pid -f /dev/null || fail "second SIGINT did not end the run"
wait $pid || status=$?
[[ $status -eq 130 ]] || fail "second SIGINT: exit $status"
# The summary says what an interrupted run never started: 4 stalled
# transfers run, 1,020 URLs of the first pull wait, the list has more.
for i in $(seq 3000); do echo "$BASE/stall?$i"; done > "$SCRATCH/long.txt"
"$FETCHSUM" -j 4 --grace 0.2 "$SCRATCH/long.txt" > /dev/null 2> "$SCRATCH/err.long" &
pid=$!
sleep 1
kill -INT $pid
status=0
wait $pid || status=$?
[[ $status -eq 130 ]] || fail "long list: exit $status"
grep -q '^fetchsum: 4 URLs, 0 ok, 4 failed (4 interrupted), .*, interrupted, 1020 URLs never started, rest of the list not read$' \
  "$SCRATCH/err.long" || fail "long list: $(tail -1 "$SCRATCH/err.long")"
pass "signals keep every record made"
