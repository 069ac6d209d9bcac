#!/bin/bash
# The progress line in a real terminal (tmux): redrawn while the run lasts,
# gone when the summary is printed; never on a pipe unless asked.
source "$(dirname "$0")/lib.sh"
command -v tmux > /dev/null || fail "tmux is not installed (scripts/setup.sh installs it)"
start_origin main --documents 5
for i in $(seq 30); do echo "$BASE/slow/150?$i"; done > "$SCRATCH/urls.txt"

session=fetchsum-progress-$$
tmux -L "$session" new-session -d -x 150 -y 20 \
  "'$FETCHSUM' -j 2 --per-host 2 '$SCRATCH/urls.txt' > '$SCRATCH/out.txt'; echo EXIT=\$?; sleep 30"
trap 'tmux -L "$session" kill-server 2>/dev/null; cleanup' EXIT
sleep 1
tmux -L "$session" capture-pane -p > "$SCRATCH/during.txt"
grep -qE '^[0-9,]+/30 [0-9]+% \| [0-9,]+ URL/s .* \| [0-9]+ in flight \| 0 failed \| ETA' "$SCRATCH/during.txt" \
  || fail "no progress line while running: $(cat "$SCRATCH/during.txt")"
for _ in $(seq 60); do
  tmux -L "$session" capture-pane -p > "$SCRATCH/after.txt"
  grep -q 'EXIT=' "$SCRATCH/after.txt" && break
  sleep 0.1
done
grep -q '^EXIT=0' "$SCRATCH/after.txt" || fail "run did not finish: $(cat "$SCRATCH/after.txt")"
grep -q '^fetchsum: 30 URLs, 30 ok, 0 failed' "$SCRATCH/after.txt" || fail "no summary: $(cat "$SCRATCH/after.txt")"
grep -q 'in flight' "$SCRATCH/after.txt" && fail "the progress line was left behind: $(cat "$SCRATCH/after.txt")"
[[ $(wc -l < "$SCRATCH/out.txt") -eq 30 ]] || fail "records"

# Not a terminal: no progress line unless --progress always.
"$FETCHSUM" "$SCRATCH/urls.txt" -j 30 --per-host 30 > /dev/null 2> "$SCRATCH/pipe.txt"
grep -q 'in flight' "$SCRATCH/pipe.txt" && fail "progress line on a pipe"
"$FETCHSUM" --progress always -q "$SCRATCH/urls.txt" -j 30 --per-host 30 > /dev/null 2> "$SCRATCH/forced.txt"
grep -q 'in flight' "$SCRATCH/forced.txt" || fail "--progress always drew nothing"
pass "progress line in a terminal"
