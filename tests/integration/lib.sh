# Shared helpers of the integration tests. Each test is run by ctest as
#   bash test_X.sh /path/to/fetchsum /path/to/fetchsum-origin
# and passes by exiting 0. Only loopback is ever contacted.
set -euo pipefail

FETCHSUM=${1:?path to fetchsum}
ORIGIN_BIN=${2:?path to fetchsum-origin}
SCRATCH=$(mktemp -d)
ORIGIN_PIDS=()

cleanup() {
  for pid in "${ORIGIN_PIDS[@]}"; do
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  rm -rf "$SCRATCH"
}
trap cleanup EXIT

fail() {
  echo "FAIL: $*" >&2
  exit 1
}

# start_origin NAME [ARGS...]: starts fetchsum-origin on an ephemeral port of
# 127.0.0.1 (or of --address A among ARGS, another loopback address) and sets
# BASE (http://ADDRESS:PORT) and MANIFEST (its "sha512  URL" lines).
start_origin() {
  local name=$1 address=127.0.0.1 prev=
  shift
  for arg in "$@"; do
    [[ $prev == --address ]] && address=$arg
    prev=$arg
  done
  MANIFEST=$SCRATCH/$name.manifest
  "$ORIGIN_BIN" --port-file "$SCRATCH/$name.port" --manifest "$MANIFEST" "$@" \
    > /dev/null 2> "$SCRATCH/$name.log" &
  ORIGIN_PIDS+=($!)
  for _ in $(seq 100); do
    [[ -s $SCRATCH/$name.port ]] && break
    sleep 0.05
  done
  [[ -s $SCRATCH/$name.port ]] || fail "origin did not start: $(cat "$SCRATCH/$name.log")"
  BASE=http://$address:$(cat "$SCRATCH/$name.port")
}

# A TCP port on 127.0.0.1 nothing listens on (bound, then released).
closed_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# expect_status WANT CMD...: runs CMD and checks its exit status.
expect_status() {
  local want=$1
  shift
  local got=0
  "$@" || got=$?
  [[ $got -eq $want ]] || fail "exit status $got, expected $want: $*"
}

now_ms() {
  echo $(($(date +%s%N) / 1000000))
}

# pass MESSAGE: the plain closing line ctest's log shows.
pass() {
  echo "PASS: $*"
}
