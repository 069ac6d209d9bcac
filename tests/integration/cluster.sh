# Helpers of the cluster tests (test_cluster*.sh); source after lib.sh and
# netns.sh. A node runs in namespace i, the coordinator and the origins in
# the root namespace, on bridge addresses.

NODE_PID=()
NODE_PORT=()
NODE_ADDR=()

# start_node I [ARGS...]: `fetchsum node --listen 0.0.0.0:0 ARGS` in namespace
# I (ARGS may override --listen), waits for its "listening on" line and sets
# NODE_PID[I], NODE_PORT[I] and NODE_ADDR[I] (IP:PORT as --nodes wants it).
# Its standard error goes to $SCRATCH/nodeI.log (appended: a restarted node
# keeps its history).
start_node() {
  local i=$1 listen=(--listen 0.0.0.0:0 --cluster-plaintext)
  shift
  for arg in "$@"; do
    [[ $arg == --listen || $arg == --listen=* ]] && listen=()
  done
  local log=$SCRATCH/node$i.log
  touch "$log"
  local before
  before=$(grep -c 'listening on' "$log" || true)
  # Not through a function: $! must be the node itself (ip netns exec
  # execs it), for kill -9, SIGSTOP and its exit status.
  ip netns exec "${NODE_NS[i]}" "$FETCHSUM" node "${listen[@]}" "$@" 2>> "$log" > /dev/null &
  NODE_PID[i]=$!
  for _ in $(seq 100); do
    (($(grep -c 'listening on' "$log" || true) > before)) && break
    kill -0 "${NODE_PID[i]}" 2> /dev/null || break
    sleep 0.05
  done
  (($(grep -c 'listening on' "$log" || true) > before)) \
    || fail "node $i did not start: $(cat "$log")"
  [[ $(cat "/proc/${NODE_PID[i]}/comm") == fetchsum ]] || fail "node $i: pid ${NODE_PID[i]} is not fetchsum"
  local line
  line=$(grep 'fetchsum node: listening on' "$log" | tail -1)
  line=${line##*:}
  NODE_PORT[i]=${line%% *} # "(TLS)" may follow
  NODE_ADDR[i]=${NODE_IP[i]}:${NODE_PORT[i]}
}

# nodes_list I...: "IP:PORT,IP:PORT" of those nodes, for --nodes.
nodes_list() {
  local list='' i
  for i in "$@"; do list+=${list:+,}${NODE_ADDR[i]}; done
  echo "$list"
}

# stop_node I: SIGTERM (after SIGCONT, should it be stopped); a node must exit
# 0 then, within 10 s.
stop_node() {
  local i=$1 status=0
  kill -CONT "${NODE_PID[i]}" 2> /dev/null || true
  kill -TERM "${NODE_PID[i]}" 2> /dev/null || return 0
  timeout 10 tail --pid="${NODE_PID[i]}" -f /dev/null || fail "node $i: no exit 10 s after SIGTERM"
  wait "${NODE_PID[i]}" || status=$?
  [[ $status -eq 0 ]] || fail "node $i: exit $status after SIGTERM, expected 0: $(tail -3 "$SCRATCH/node$i.log")"
}

# one_record_per_url URLS JSONL: exactly one JSON record per line of URLS,
# and the URLs recorded are exactly those listed.
one_record_per_url() {
  local urls=$1 out=$2 want got
  want=$(wc -l < "$urls")
  got=$(wc -l < "$out")
  [[ $got -eq $want ]] || fail "$got records for $want URLs ($out)"
  diff <(sort "$urls") <(jq -r .url "$out" | sort) > "$SCRATCH/urls.diff" \
    || fail "recorded URLs differ from the list: $(head -5 "$SCRATCH/urls.diff")"
}

# all_ok JSONL: every record ok.
all_ok() {
  local bad
  bad=$(jq -c 'select(.ok != true)' "$1" | head -3)
  [[ -z $bad ]] || fail "not every record ok: $bad"
}

# wait_for_line FILE REGEX SECONDS: waits until FILE has a line matching
# REGEX (grep -E); prints the milliseconds it waited; fails after SECONDS.
wait_for_line() {
  local file=$1 regex=$2 limit=$(($3 * 1000)) start
  start=$(now_ms)
  until grep -Eq -- "$regex" "$file" 2> /dev/null; do
    (($(now_ms) - start < limit)) || fail "no line matching '$regex' within $3 s in $file: $(tail -5 "$file")"
    sleep 0.02
  done
  echo $(($(now_ms) - start))
}
