#!/bin/bash
# Mutual TLS between coordinator and nodes, with certificates made by
# scripts/cluster-certs.sh: nodes with certificates of the cluster's CA
# serve; a node whose certificate comes from another CA, a plaintext peer of
# a TLS node, and a TLS peer of a plaintext node are refused within seconds;
# with no usable node the run ends after --node-wait with no_node, exit 1.
# Missing or unusable certificate files: one line on stderr, exit 2, nothing
# fetched.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/netns.sh"
source "$(dirname "$0")/cluster.sh"
CERTS_SCRIPT=$(dirname "$0")/../../scripts/cluster-certs.sh

netns_setup 3
bash "$CERTS_SCRIPT" "$SCRATCH/certs" coordinator node1 node2 || fail "cluster-certs.sh failed"
bash "$CERTS_SCRIPT" "$SCRATCH/rogue" intruder || fail "cluster-certs.sh (another CA) failed"
for f in ca.pem ca.key coordinator.pem coordinator.key node1.pem node1.key node2.pem node2.key; do
  [[ -s $SCRATCH/certs/$f ]] || fail "cluster-certs.sh made no $f"
done
openssl verify -CAfile "$SCRATCH/certs/ca.pem" "$SCRATCH/certs/node1.pem" > /dev/null \
  || fail "node1.pem does not chain to ca.pem"
openssl verify -CAfile "$SCRATCH/certs/ca.pem" "$SCRATCH/rogue/intruder.pem" > /dev/null 2>&1 \
  && fail "the other CA's certificate chains to ca.pem"

tls() { # tls DIR NAME: the three options for NAME's certificate in DIR
  echo "--cluster-cert $SCRATCH/$1/$2.pem --cluster-key $SCRATCH/$1/$2.key --cluster-ca $SCRATCH/$1/ca.pem"
}
# With TLS, --listen PORT alone listens on every address (0.0.0.0).
start_node 1 --listen 0 $(tls certs node1)
start_node 2 --listen 0 $(tls certs node2)
start_node 3 --listen 0 $(tls rogue intruder)
grep -q 'listening on 0\.0\.0\.0:' "$SCRATCH/node1.log" \
  || fail "a TLS node with --listen PORT does not listen on 0.0.0.0: $(cat "$SCRATCH/node1.log")"
echo "nodes: ${NODE_ADDR[*]}"

netns_extra_address
start_origin main --documents 100 --address "$EXTRA_ADDRESS"
cut -c 131- "$MANIFEST" > "$SCRATCH/urls.txt"
for n in $(seq 0 19); do echo "$BASE/slow/100?$n"; done >> "$SCRATCH/urls.txt"

# Two good nodes and one of another CA: the run is done by the good ones,
# the other is reported refused within seconds. It never joined, so nothing
# was lost: exit 0. Eight times: refusing one node must never disturb the
# others: with CAF 0.17.6 a refused handshake can leave an error in the
# middleman thread's OpenSSL error queue that fails another node's connection
# (seen in about half of the runs, less under load: hence the rounds).
for round in 1 2 3 4 5 6 7 8; do
  start=$(now_ms)
  status=0
  "$FETCHSUM" --nodes "$(nodes_list 1 2 3)" $(tls certs coordinator) --format json \
    "$SCRATCH/urls.txt" > "$SCRATCH/out.jsonl" 2> "$SCRATCH/err" &
  pid=$!
  refused_ms=$(wait_for_line "$SCRATCH/err" "node ${NODE_ADDR[3]}: .*refused" 10)
  echo "TLS: the node of another CA reported refused ${refused_ms} ms after the start:"
  echo "  $(grep "node ${NODE_ADDR[3]}:" "$SCRATCH/err" | head -1)"
  wait $pid || status=$?
  took=$(($(now_ms) - start))
  [[ $status -eq 0 ]] || fail "TLS run with a foreign node: exit $status: $(tail -3 "$SCRATCH/err")"
  one_record_per_url "$SCRATCH/urls.txt" "$SCRATCH/out.jsonl"
  all_ok "$SCRATCH/out.jsonl"
  jq -r 'select(.url | contains("/doc/")) | "\(.digests.sha512)  \(.url)"' "$SCRATCH/out.jsonl" \
    | sort | diff - <(sort "$MANIFEST") > /dev/null || fail "TLS run: digests differ from the manifest"
  for i in 1 2; do
    grep -q "^fetchsum: node ${NODE_ADDR[i]}: joined" "$SCRATCH/err" || fail "TLS node $i did not join: $(cat "$SCRATCH/err")"
  done
  grep -q "node ${NODE_ADDR[3]}: joined" "$SCRATCH/err" && fail "the node of another CA joined"
  grep -Eq 'lost|died' "$SCRATCH/err" && fail "refusing the foreign node disturbed the others: $(cat "$SCRATCH/err")"
  echo "TLS: two nodes served $(wc -l < "$SCRATCH/urls.txt") URLs in ${took} ms (round $round)"
done

# no_usable RUN-NAME NODE-ARGS...: a run that can use no node ends after
# --node-wait 3 with every URL no_node and exit 1; its stderr names the node.
no_usable() {
  local name=$1 node=$2 status=0 start took
  shift 2
  start=$(now_ms)
  timeout 30 "$FETCHSUM" --nodes "$node" --node-wait 3 --format json "$@" "$SCRATCH/urls.txt" \
    > "$SCRATCH/$name.jsonl" 2> "$SCRATCH/$name.err" || status=$?
  took=$(($(now_ms) - start))
  [[ $status -eq 1 ]] || fail "$name: exit $status, expected 1: $(tail -3 "$SCRATCH/$name.err")"
  ((took >= 2500 && took <= 8000)) || fail "$name: --node-wait 3 ended after ${took} ms"
  one_record_per_url "$SCRATCH/urls.txt" "$SCRATCH/$name.jsonl"
  [[ $(jq -r .error "$SCRATCH/$name.jsonl" | sort -u) == no_node ]] \
    || fail "$name: error kinds: $(jq -r .error "$SCRATCH/$name.jsonl" | sort | uniq -c)"
  grep -q "node $node:" "$SCRATCH/$name.err" || fail "$name: stderr does not name $node: $(cat "$SCRATCH/$name.err")"
  echo "$name: every URL no_node after ${took} ms, exit 1: $(grep "node $node:" "$SCRATCH/$name.err" | head -1)"
}
no_usable foreign-ca "${NODE_ADDR[3]}" $(tls certs coordinator)
grep -q "node ${NODE_ADDR[3]}: .*refused" "$SCRATCH/foreign-ca.err" || fail "foreign-ca: not reported refused"
# A coordinator without TLS at a TLS node.
no_usable plain-to-tls "${NODE_ADDR[1]}"
# A TLS coordinator at a plaintext node.
stop_node 2
start_node 2
no_usable tls-to-plain "${NODE_ADDR[2]}" $(tls certs coordinator)

# Missing or unusable certificate files, or not all three options: one line,
# exit 2, nothing fetched (the origin counts its requests).
echo garbage > "$SCRATCH/garbage.pem"
requests_before=$(curl -sf "$BASE/stats" | awk '/^requests/ {print $2}')
c=$SCRATCH/certs
bad_tls=("--cluster-cert $SCRATCH/missing.pem --cluster-key $c/coordinator.key --cluster-ca $c/ca.pem"
         "--cluster-cert $c/coordinator.pem --cluster-key $SCRATCH/missing.key --cluster-ca $c/ca.pem"
         "--cluster-cert $c/coordinator.pem --cluster-key $c/coordinator.key --cluster-ca $SCRATCH"
         "--cluster-cert $SCRATCH/garbage.pem --cluster-key $c/coordinator.key --cluster-ca $c/ca.pem"
         "--cluster-cert $c/coordinator.pem --cluster-key $c/coordinator.key"
         "--cluster-ca $c/ca.pem")
for args in "${bad_tls[@]}"; do
  status=0
  timeout 10 "$FETCHSUM" --nodes "${NODE_ADDR[1]}" $args "$SCRATCH/urls.txt" \
    > "$SCRATCH/bad.out" 2> "$SCRATCH/bad.err" || status=$?
  [[ $status -eq 2 ]] || fail "coordinator $args: exit $status, expected 2: $(head -3 "$SCRATCH/bad.err")"
  [[ $(wc -l < "$SCRATCH/bad.err") -eq 1 ]] || fail "coordinator $args: not one line on stderr: $(cat "$SCRATCH/bad.err")"
  [[ -s $SCRATCH/bad.out ]] && fail "coordinator $args: records written"
  echo "coordinator ${args//$SCRATCH/}: $(cat "$SCRATCH/bad.err")"
  status=0
  timeout 10 ip netns exec "${NODE_NS[3]}" "$FETCHSUM" node --listen 0 $args \
    > /dev/null 2> "$SCRATCH/bad.err" || status=$?
  [[ $status -eq 2 ]] || fail "node $args: exit $status, expected 2: $(head -3 "$SCRATCH/bad.err")"
  [[ $(wc -l < "$SCRATCH/bad.err") -eq 1 ]] || fail "node $args: not one line on stderr: $(cat "$SCRATCH/bad.err")"
done
requests_after=$(curl -sf "$BASE/stats" | awk '/^requests/ {print $2}')
((requests_after == requests_before + 1)) || fail "a run with bad TLS options fetched something"

for i in 1 2 3; do stop_node "$i"; done
pass "mutual TLS: the cluster's certificates serve, others are refused, bad files exit 2"
