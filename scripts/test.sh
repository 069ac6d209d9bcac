#!/bin/bash
# Builds fetchsum (installing packages if needed) and runs every test: the
# actor-level suites and the integration tests against servers on loopback.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
cd build
ctest --output-on-failure -j "$(nproc)" "$@"
