#!/bin/bash
# Node loss loses nothing: kill -9 of a node, a node hung by SIGSTOP, and a
# cut link (ip link set down, restored later) in the middle of a run over
# three nodes in their own network namespaces. Each is detected within a few
# seconds (printed, for the figures), the URLs it held run again elsewhere:
# exactly one record per URL, all ok, and exit 1 (a joined node was lost).
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/netns.sh"
source "$(dirname "$0")/cluster.sh"

netns_setup 3
# Capacity 4 each: the 12 transfers in flight (6 hosts, --per-host 2) fill
# all three nodes, so node 2 holds work whichever node the coordinator
# fills first.
for i in 1 2 3; do start_node "$i" -j 4; done
echo "nodes: ${NODE_ADDR[*]}"

hosts=()
for i in $(seq 6); do
  netns_extra_address
  start_origin "h$i" --documents 20 --address "$EXTRA_ADDRESS"
  hosts+=("$BASE")
done

# make_list NAME MS COUNT: per host COUNT slow answers of MS ms and its 20
# documents, so that with --per-host 2 the run lasts about COUNT/2 * MS and
# every node holds transfers when the fault comes.
make_list() {
  local name=$1 ms=$2 count=$3 n base
  for n in $(seq 0 19); do
    for base in "${hosts[@]}"; do
      ((n < count)) && echo "$base/slow/$ms?$name$n"
      echo "$base/doc/$n?$name"
    done
  done > "$SCRATCH/$name.txt"
}

# fault_run NAME FAULT: runs the coordinator over the three nodes on
# $SCRATCH/NAME.txt, applies FAULT (a command) to node 2 once all three have
# joined and work is under way, and checks the outcome. Sets DETECT_MS (fault
# to the coordinator's "lost" line) and RUN_PID (running until fault_finish).
fault_run() {
  local name=$1
  shift
  "$FETCHSUM" --nodes "$(nodes_list 1 2 3)" -j 64 --per-host 2 --format json \
    "$SCRATCH/$name.txt" > "$SCRATCH/$name.jsonl" 2> "$SCRATCH/$name.err" &
  RUN_PID=$!
  RUN_START=$(now_ms)
  for i in 1 2 3; do
    wait_for_line "$SCRATCH/$name.err" "^fetchsum: node ${NODE_ADDR[i]}: joined" 10 > /dev/null
  done
  sleep 1 # transfers under way on every node
  [[ -s $SCRATCH/$name.jsonl ]] || fail "$name: no record 1 s after all nodes joined"
  local before
  before=$(wc -l < "$SCRATCH/$name.jsonl")
  "$@"
  FAULT_AT=$(now_ms)
  DETECT_MS=$(wait_for_line "$SCRATCH/$name.err" "^fetchsum: node ${NODE_ADDR[2]}: lost" 15)
  RECORDS_AT_FAULT=$before
}

# fault_finish NAME: waits for the coordinator (60 s at most) and asserts
# one ok record per URL, exit 1, the loss reported; prints the figures.
fault_finish() {
  local name=$1 status=0
  timeout 60 tail --pid="$RUN_PID" -f /dev/null || fail "$name: coordinator still running 60 s after the fault"
  wait "$RUN_PID" || status=$?
  local took=$(($(now_ms) - RUN_START))
  [[ $status -eq 1 ]] || fail "$name: exit $status, expected 1 (a joined node was lost): $(tail -3 "$SCRATCH/$name.err")"
  one_record_per_url "$SCRATCH/$name.txt" "$SCRATCH/$name.jsonl"
  all_ok "$SCRATCH/$name.jsonl"
  local lost rerun summary
  lost=$(grep "^fetchsum: node ${NODE_ADDR[2]}: lost" "$SCRATCH/$name.err" | head -1)
  [[ $lost =~ lost\ \(.*\)\;\ its\ transfers\ run\ again\ elsewhere$ ]] \
    || fail "$name: lost line not as specified: $lost"
  summary=$(tail -1 "$SCRATCH/$name.err")
  [[ $summary =~ ([0-9]+)\ re-run\ after\ node\ loss ]] \
    || fail "$name: summary without 'N re-run after node loss': $summary"
  rerun=${BASH_REMATCH[1]}
  ((rerun >= 1)) || fail "$name: node 2 held no transfer when it was lost: $summary"
  [[ $summary =~ [0-9]+\ nodes?\ lost ]] || fail "$name: summary without nodes lost: $summary"
  for i in 1 3; do
    grep -q "node ${NODE_ADDR[i]}: lost" "$SCRATCH/$name.err" && fail "$name: node $i lost as well: $(cat "$SCRATCH/$name.err")"
  done
  echo "$name: detected after ${DETECT_MS} ms; $lost"
  echo "$name: $(wc -l < "$SCRATCH/$name.txt") URLs, ${RECORDS_AT_FAULT} recorded at the fault, run ${took} ms, exit 1; summary: $summary"
}

# --- kill -9, then the node restarts on its port and rejoins --------------
make_list kill 1500 8
fault_run kill kill -KILL "${NODE_PID[2]}"
wait "${NODE_PID[2]}" 2> /dev/null || true
start_node 2 --listen "0.0.0.0:${NODE_PORT[2]}" --cluster-plaintext -j 4
restarted_at=$(now_ms)
# Retried every 2 s: back within a few seconds, if the run still runs.
rejoin=
while kill -0 "$RUN_PID" 2> /dev/null; do
  if (($(grep -c "^fetchsum: node ${NODE_ADDR[2]}: joined" "$SCRATCH/kill.err") >= 2)); then
    rejoin=$(($(now_ms) - restarted_at))
    break
  fi
  (($(now_ms) - restarted_at < 6000)) || break
  sleep 0.05
done
fault_finish kill
if [[ -n $rejoin ]]; then
  echo "kill: the restarted node rejoined ${rejoin} ms after its restart"
elif (($(grep -c "^fetchsum: node ${NODE_ADDR[2]}: joined" "$SCRATCH/kill.err") < 2)); then
  fail "kill: the node restarted on its port did not rejoin within 6 s of a running run"
fi
((DETECT_MS <= 2000)) || fail "kill -9 detected only after ${DETECT_MS} ms"

# --- SIGSTOP: noticed by the heartbeat ------------------------------------
make_list stop 1500 8
fault_run stop kill -STOP "${NODE_PID[2]}"
fault_finish stop
((DETECT_MS <= 6000)) || fail "SIGSTOP detected only after ${DETECT_MS} ms"
# Woken up, the node notices its coordinator is gone, keeps serving, and
# still ends with exit 0 on SIGTERM.
kill -CONT "${NODE_PID[2]}"
wait_for_line "$SCRATCH/node2.log" 'coordinator .* left' 10 > /dev/null
stop_node 2
start_node 2 -j 4

# --- a cut link, restored after the loss ----------------------------------
make_list cut 2000 10
fault_run cut netns_cut 2
sleep 1
netns_restore 2
restored_at=$(now_ms)
rejoin=
while kill -0 "$RUN_PID" 2> /dev/null; do
  if (($(grep -c "^fetchsum: node ${NODE_ADDR[2]}: joined" "$SCRATCH/cut.err") >= 2)); then
    rejoin=$(($(now_ms) - restored_at))
    break
  fi
  sleep 0.05
done
fault_finish cut
((DETECT_MS <= 6000)) || fail "link cut detected only after ${DETECT_MS} ms"
echo "cut: link down $((restored_at - FAULT_AT)) ms; rejoined ${rejoin:-never (run ended first)}${rejoin:+ ms after the restore}"
late=$(tail -1 "$SCRATCH/cut.err" | grep -Eo '[0-9]+ late results dropped' || echo "0 late results dropped")
echo "cut: $late"
echo "node 2 log: $(tr '\n' '|' < "$SCRATCH/node2.log")"
stop_node 1
stop_node 2
stop_node 3
pass "kill -9, SIGSTOP and a cut link: each detected, every URL recorded once"
