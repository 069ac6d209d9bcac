#!/bin/bash
# Builds fetchsum (installing packages if needed) and runs the main job on its
# embedded default: a demo origin on 127.0.0.1 serving generated documents.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
exec build/fetchsum demo "$@"
