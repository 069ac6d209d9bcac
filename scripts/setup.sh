#!/bin/bash
# Installs the Debian packages fetchsum needs (only those missing) and builds
# it with CMake into ./build. Used by demo.sh, test.sh and .ci/run.
set -euo pipefail
cd "$(dirname "$0")/.."

# clang, libclang-rt-14-dev (libFuzzer and clang's sanitizer runtimes) and
# llvm (llvm-symbolizer, for readable stacks) serve test.sh's fuzz layer;
# gcc's own ASan/UBSan/TSan runtimes come with g++.
# iproute2 (ip netns, ip link) serves the cluster tests in network namespaces.
packages=(g++ make cmake pkg-config libcaf-dev libcurl4-openssl-dev libssl-dev
          libmicrohttpd-dev zlib1g-dev curl openssl python3 ca-certificates tmux
          clang libclang-rt-14-dev llvm iproute2)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" \
    || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}" >&2
  sudo=""
  [[ $(id -u) -eq 0 ]] || sudo="sudo"
  $sudo apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" >/dev/null
fi

# Build chatter goes to stderr: demo.sh prints records on stdout.
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >&2
cmake --build build -j "$(nproc)" >&2
