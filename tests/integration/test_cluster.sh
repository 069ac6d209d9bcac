#!/bin/bash
# The cluster through the real binary: three `fetchsum node`s, each in its own
# network namespace behind a bridge, the coordinator and ten origins in the
# root namespace on bridge addresses.
#  - a mixed list through three nodes: one record per URL, the digests the
#    origins' manifests and a one-process run give, exit 0;
#  - --per-host and --rate hold at the origins for the whole cluster;
#  - a node of another version (app identifier) is refused, saying why;
#  - bad --nodes / --listen: one line on stderr, exit 2, nothing fetched;
#  - SIGTERM ends a node with exit 0.
# Faults (kill -9, SIGSTOP, link cut) are in test_cluster_faults.sh, TLS in
# test_cluster_tls.sh.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/netns.sh"
source "$(dirname "$0")/cluster.sh"

netns_setup 3
for i in 1 2 3; do start_node "$i"; done
echo "nodes: ${NODE_ADDR[*]}"
all_nodes=$(nodes_list 1 2 3)

hosts=()
for i in $(seq 10); do
  netns_extra_address
  start_origin "h$i" --documents 40 --address "$EXTRA_ADDRESS"
  hosts+=("$BASE")
  cat "$MANIFEST" >> "$SCRATCH/manifest"
done

# Every host: 40 documents with slow, flaky, throttled and redirected ones
# interleaved.
for n in $(seq 0 39); do
  for base in "${hosts[@]}"; do
    echo "$base/doc/$n"
    if ((n % 10 == 0)); then
      echo "$base/slow/200?$n"
      echo "$base/flaky/1/$n"
      echo "$base/redirect/2?$n"
    fi
    ((n == 20)) && echo "$base/throttle/1/$n"
  done
done > "$SCRATCH/urls.txt"
total=$(wc -l < "$SCRATCH/urls.txt")

# --- a mixed list through three nodes, --per-host 3 -----------------------
start=$(now_ms)
status=0
"$FETCHSUM" --nodes "$all_nodes" -j 64 --per-host 3 --retry-delay 0.05 --format json \
  "$SCRATCH/urls.txt" > "$SCRATCH/out.jsonl" 2> "$SCRATCH/err" || status=$?
took=$(($(now_ms) - start))
[[ $status -eq 0 ]] || fail "cluster run: exit $status: $(tail -5 "$SCRATCH/err")"
one_record_per_url "$SCRATCH/urls.txt" "$SCRATCH/out.jsonl"
all_ok "$SCRATCH/out.jsonl"
for i in 1 2 3; do
  grep -q "^fetchsum: node ${NODE_ADDR[i]}: joined" "$SCRATCH/err" \
    || fail "node $i never joined: $(cat "$SCRATCH/err")"
  grep -q 'coordinator .* joined' "$SCRATCH/node$i.log" || fail "node $i logged no coordinator joining"
done
# Nothing went wrong, so stderr says nothing went wrong (also at the end of
# the run, when the coordinator lets its groups go).
grep -Eq 'lost|died|cannot|refused' "$SCRATCH/err" && fail "a clean run reports trouble: $(cat "$SCRATCH/err")"

# Digests: the documents equal the manifests; every record equals what one
# process without --nodes gives.
jq -r '"\(.digests.sha512)  \(.url)"' "$SCRATCH/out.jsonl" | sort > "$SCRATCH/cluster.sum"
grep '/doc/' "$SCRATCH/cluster.sum" | diff - <(sort "$SCRATCH/manifest") > "$SCRATCH/diff" \
  || fail "digests differ from the origins' manifests: $(head -5 "$SCRATCH/diff")"
"$FETCHSUM" -q -j 64 --per-host 3 --retry-delay 0.05 "$SCRATCH/urls.txt" \
  | sort > "$SCRATCH/local.sum" || fail "one-process run failed"
diff "$SCRATCH/local.sum" "$SCRATCH/cluster.sum" > "$SCRATCH/diff" \
  || fail "cluster records differ from a one-process run: $(head -5 "$SCRATCH/diff")"

# Politeness at the origins: at most --per-host at once on each host, for
# the three nodes together (the one-process run above holds it as well).
peaks=()
for base in "${hosts[@]}"; do
  peak=$(curl -sf "$base/stats" | awk '/^peak_in_flight/ {print $2}')
  ((peak <= 3)) || fail "$base: $peak requests at once with --per-host 3 over three nodes"
  peaks+=("$peak")
done
((${#peaks[@]} == 10)) || fail "no peak read"
[[ " ${peaks[*]} " == *" 3 "* ]] || fail "no host ever reached --per-host 3: ${peaks[*]}"
echo "mixed list, $total URLs over three nodes: ${took} ms, exit 0, digests = manifests = one-process run"
echo "measured peak in flight per host (--per-host 3, three nodes): ${peaks[*]}"

# --rate 10 over three nodes: 21 requests to one host take 2 s.
for n in $(seq 0 20); do echo "${hosts[0]}/doc/$n?rate"; done > "$SCRATCH/rate.txt"
start=$(now_ms)
"$FETCHSUM" -q --nodes "$all_nodes" --rate 10 -j 64 --per-host 64 "$SCRATCH/rate.txt" \
  > /dev/null 2> "$SCRATCH/rate.err" || fail "rate run failed: $(cat "$SCRATCH/rate.err")"
took=$(($(now_ms) - start))
grep -Eq 'lost|died|cannot|refused' "$SCRATCH/rate.err" && fail "a clean run reports trouble: $(cat "$SCRATCH/rate.err")"
((took >= 1800 && took <= 2600)) || fail "--rate 10 over three nodes: 21 requests took ${took} ms, expected about 2000"
echo "--rate 10 over three nodes: 21 requests in ${took} ms"

# --- a node of another version is refused ---------------------------------
# Simulated with another application identifier (CAF's version check of the
# BASP handshake), the way another fetchsum version or CAF program differs.
stop_node 3
start_node 3 '--middleman.app-identifiers=["other"]'
head -30 "$SCRATCH/urls.txt" > "$SCRATCH/few.txt"
status=0
"$FETCHSUM" --nodes "$(nodes_list 1 3)" --format json "$SCRATCH/few.txt" \
  > "$SCRATCH/version.jsonl" 2> "$SCRATCH/version.err" || status=$?
[[ $status -eq 0 ]] || fail "with one good node and one of another version: exit $status: $(cat "$SCRATCH/version.err")"
one_record_per_url "$SCRATCH/few.txt" "$SCRATCH/version.jsonl"
all_ok "$SCRATCH/version.jsonl"
grep "node ${NODE_ADDR[3]}:" "$SCRATCH/version.err" > "$SCRATCH/version.lines" \
  || fail "nothing said about the node of another version: $(cat "$SCRATCH/version.err")"
grep -Eiq 'version|identifier|incompatible' "$SCRATCH/version.lines" \
  || fail "the refusal does not say why: $(cat "$SCRATCH/version.lines")"
grep -q 'joined' "$SCRATCH/version.lines" && fail "a node of another version joined: $(cat "$SCRATCH/version.lines")"
echo "version mismatch: $(head -1 "$SCRATCH/version.lines")"

# With only that node: no_node for every URL after --node-wait, exit 1.
start=$(now_ms)
status=0
timeout 30 "$FETCHSUM" --nodes "${NODE_ADDR[3]}" --node-wait 3 --format json "$SCRATCH/few.txt" \
  > "$SCRATCH/nonode.jsonl" 2> "$SCRATCH/nonode.err" || status=$?
took=$(($(now_ms) - start))
[[ $status -eq 1 ]] || fail "only a node of another version: exit $status, expected 1: $(tail -3 "$SCRATCH/nonode.err")"
((took >= 2500 && took <= 8000)) || fail "--node-wait 3 with no usable node ended after ${took} ms"
one_record_per_url "$SCRATCH/few.txt" "$SCRATCH/nonode.jsonl"
[[ $(jq -r .error "$SCRATCH/nonode.jsonl" | sort -u) == no_node ]] \
  || fail "error kinds without a usable node: $(jq -r .error "$SCRATCH/nonode.jsonl" | sort | uniq -c)"
echo "no usable node, --node-wait 3: every URL no_node after ${took} ms, exit 1"
stop_node 3

# --- a listed node down at the start is retried and used when it answers --
# A port of namespace 3 nothing listens on (bound, then released).
late_port=$(netns_exec 3 python3 -c 'import socket; s=socket.socket(); s.bind(("0.0.0.0",0)); print(s.getsockname()[1]); s.close()')
late_node=${NODE_IP[3]}:$late_port
status=0
start=$(now_ms)
"$FETCHSUM" --nodes "$late_node" --format json "$SCRATCH/few.txt" \
  > "$SCRATCH/late.jsonl" 2> "$SCRATCH/late.err" &
pid=$!
wait_for_line "$SCRATCH/late.err" "^fetchsum: node $late_node: cannot connect: .*; retrying every 2 s" 5 > /dev/null
sleep 1
start_node 3 --listen "0.0.0.0:$late_port" --cluster-plaintext
node_started=$(now_ms)
join_ms=$(wait_for_line "$SCRATCH/late.err" "^fetchsum: node $late_node: joined" 10)
timeout 30 tail --pid=$pid -f /dev/null || fail "late node: the run did not end"
wait $pid || status=$?
[[ $status -eq 0 ]] || fail "a node started late: exit $status: $(cat "$SCRATCH/late.err")"
one_record_per_url "$SCRATCH/few.txt" "$SCRATCH/late.jsonl"
all_ok "$SCRATCH/late.jsonl"
echo "node down at the start: $(grep -m1 'cannot connect' "$SCRATCH/late.err")"
echo "node down at the start: joined $((node_started - start + join_ms)) ms after the start, ${join_ms} ms after the node was up; exit 0"
stop_node 3

# --- bad input: one line, exit 2, nothing fetched -------------------------
requests_before=$(curl -sf "${hosts[0]}/stats" | awk '/^requests/ {print $2}')
bad_nodes=(nonsense "${NODE_ADDR[1]},nonsense" "${NODE_IP[1]}:" ":${NODE_PORT[1]}"
           "${NODE_IP[1]}:70000" "${NODE_IP[1]}:port")
for arg in "${bad_nodes[@]}"; do
  status=0
  "$FETCHSUM" --nodes "$arg" "$SCRATCH/few.txt" > "$SCRATCH/bad.out" 2> "$SCRATCH/bad.err" || status=$?
  [[ $status -eq 2 ]] || fail "--nodes '$arg': exit $status, expected 2: $(cat "$SCRATCH/bad.err")"
  [[ $(wc -l < "$SCRATCH/bad.err") -eq 1 ]] || fail "--nodes '$arg': not one line on stderr: $(cat "$SCRATCH/bad.err")"
  [[ -s $SCRATCH/bad.out ]] && fail "--nodes '$arg': records written"
  echo "--nodes $arg: $(cat "$SCRATCH/bad.err")"
done
requests_after=$(curl -sf "${hosts[0]}/stats" | awk '/^requests/ {print $2}')
((requests_after == requests_before + 1)) || fail "a bad --nodes run fetched something"

# node --listen: a port in use (node 1's), a malformed address, plaintext
# off loopback without --cluster-plaintext.
bad_listen=("--listen 0.0.0.0:${NODE_PORT[1]} --cluster-plaintext"
            "--listen nonsense" "--listen ${NODE_IP[1]}:70000 --cluster-plaintext"
            "--listen 0.0.0.0:0" "--listen ${NODE_IP[1]}:0")
for args in "${bad_listen[@]}"; do
  status=0
  timeout 10 ip netns exec "${NODE_NS[1]}" "$FETCHSUM" node $args > /dev/null 2> "$SCRATCH/bad.err" || status=$?
  [[ $status -eq 2 ]] || fail "node $args: exit $status, expected 2: $(cat "$SCRATCH/bad.err")"
  [[ $(wc -l < "$SCRATCH/bad.err") -eq 1 ]] || fail "node $args: not one line on stderr: $(cat "$SCRATCH/bad.err")"
  echo "node $args: $(cat "$SCRATCH/bad.err")"
done

# A node serves one coordinator after another, and SIGTERM ends it with 0.
for i in 1 2; do stop_node "$i"; done
for i in 1 2 3; do
  grep -q 'coordinator .* left' "$SCRATCH/node$i.log" || fail "node $i logged no coordinator leaving: $(cat "$SCRATCH/node$i.log")"
done
pass "three nodes: one record per URL, digests as one process, politeness global, bad input refused"
