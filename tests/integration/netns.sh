# Network namespaces for the cluster tests; source after lib.sh.
#
#   netns_setup N      a bridge in the root namespace with 10.231.S.1/24 and N
#                      namespaces, node i at 10.231.S.(10+i) behind a veth
#                      pair; sets NETNS_GATEWAY (the bridge's address, where
#                      origins listen) and NODE_IP[i], NODE_NS[i]
#   netns_exec I CMD   runs CMD in node I's namespace
#   netns_cut I / netns_restore I   takes node I's link down / up again
#   netns_extra_address  adds another address to the bridge, sets
#                      EXTRA_ADDRESS (for origins that must be distinct hosts)
#
# Nothing here can reach beyond the bridge: the namespaces have no default
# route, the root namespace routes only 10.231.S.0/24 to the bridge, and the
# origins listen on bridge addresses only. Names start with fs<pid> and the
# subnet S is picked under a lock among those no interface uses, so parallel
# test runs do not clash. Everything is removed on exit, also on failure:
# the processes in the namespaces, the namespaces, their links, the bridge.
# Without root or `ip netns`, the test is skipped (exit 77, see CMakeLists).

if [[ $(id -u) -ne 0 ]] || ! ip netns list > /dev/null 2>&1; then
  echo "SKIP: needs root and ip netns"
  exit 77
fi

NETNS_PREFIX=fs$$
NETNS_BRIDGE=${NETNS_PREFIX}br
NETNS_NAMES=()
NETNS_LINKS=()
NETNS_ADDRESSES=0
NODE_IP=()
NODE_NS=()

netns_cleanup() {
  local ns pid
  for ns in "${NETNS_NAMES[@]}"; do
    for pid in $(ip netns pids "$ns" 2> /dev/null); do
      kill -CONT "$pid" 2> /dev/null || true
      kill -KILL "$pid" 2> /dev/null || true
    done
  done
  for ns in "${NETNS_NAMES[@]}"; do
    # A killed process may hold the namespace a moment longer; deleting it
    # unmounts the name either way, the kernel frees it with the last user.
    ip netns del "$ns" 2> /dev/null || true
  done
  local link
  for link in "${NETNS_LINKS[@]}"; do
    ip link del "$link" 2> /dev/null || true
  done
  ip link del "$NETNS_BRIDGE" 2> /dev/null || true
}
trap 'netns_cleanup; cleanup' EXIT
# ctest ends a test that times out with a signal: clean up then as well.
trap 'exit 143' TERM
trap 'exit 130' INT

netns_setup() {
  local count=$1 subnet='' s i
  ip link add "$NETNS_BRIDGE" type bridge
  NETNS_LINKS+=("$NETNS_BRIDGE")
  sysctl -qw "net.ipv6.conf.$NETNS_BRIDGE.disable_ipv6=1"
  # Under a lock: the first 10.231.S.0/24 no interface has an address in,
  # starting at a place of our own (two tests of one ctest run once ended
  # up on one subnet, and one's nodes answered the other's connects).
  exec {lock}> /run/fetchsum-netns.lock
  flock "$lock"
  local start=$(($$ % 254))
  for offset in $(seq 0 253); do
    s=$(((start + offset) % 254 + 1))
    ip -4 -o addr show | grep -q " 10\.231\.$s\." && continue
    ip route show | grep -q "^10\.231\.$s\." && continue
    subnet=$s
    break
  done
  [[ -n $subnet ]] || fail "no free 10.231.S.0/24 subnet"
  ip addr add "10.231.$subnet.1/24" dev "$NETNS_BRIDGE"
  flock -u "$lock"
  exec {lock}>&-
  ip link set "$NETNS_BRIDGE" up
  NETNS_SUBNET=$subnet
  NETNS_GATEWAY=10.231.$subnet.1
  for i in $(seq 1 "$count"); do
    local ns=${NETNS_PREFIX}n$i link=${NETNS_PREFIX}v$i
    ip netns add "$ns"
    NETNS_NAMES+=("$ns")
    ip link add "$link" type veth peer name eth0 netns "$ns"
    NETNS_LINKS+=("$link")
    sysctl -qw "net.ipv6.conf.$link.disable_ipv6=1"
    ip link set "$link" master "$NETNS_BRIDGE" up
    ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
    ip -n "$ns" addr add "10.231.$subnet.$((10 + i))/24" dev eth0
    ip -n "$ns" link set eth0 up
    ip -n "$ns" link set lo up
    NODE_NS[i]=$ns
    NODE_IP[i]=10.231.$subnet.$((10 + i))
  done
}

netns_extra_address() {
  NETNS_ADDRESSES=$((NETNS_ADDRESSES + 1))
  EXTRA_ADDRESS=10.231.$NETNS_SUBNET.$((100 + NETNS_ADDRESSES))
  ip addr add "$EXTRA_ADDRESS/24" dev "$NETNS_BRIDGE"
}

netns_exec() {
  local i=$1
  shift
  ip netns exec "${NODE_NS[i]}" "$@"
}

# The root-namespace end of node i's veth pair: down, the node's eth0 loses
# its carrier and the bridge its port; packets either way are dropped.
netns_cut() {
  ip link set "${NETNS_PREFIX}v$1" down
}

netns_restore() {
  ip link set "${NETNS_PREFIX}v$1" up
}
