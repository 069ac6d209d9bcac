#!/bin/bash
# The docs match --help: every option it lists is documented in the usage
# guide, the configuration reference and the man page, and the man page
# installs.
source "$(dirname "$0")/lib.sh"
repo=$(cd "$(dirname "$0")/../.." && pwd)
"$FETCHSUM" --help > "$SCRATCH/help.txt"
# The option lines: "  -j, --concurrency N  ...", "  -4, --ipv4  ..." or
# "  --per-host N  ...".
options=$(grep -oE -- '^  (-[a-zA-Z0-9], )?--[a-z0-9-]+' "$SCRATCH/help.txt" \
  | grep -oE -- '--[a-z0-9-]+' | sort -u)
[[ $(wc -w <<<"$options") -ge 25 ]] || fail "--help lists too few options"
for opt in $options; do
  grep -qF -- "$opt" "$repo/docs/usage.md" || fail "$opt is missing from docs/usage.md"
  grep -qF -- "$opt" "$repo/docs/configuration.md" || fail "$opt is missing from docs/configuration.md"
  grep -qF -- "${opt//-/\\-}" "$repo/man/fetchsum.1" || fail "$opt is missing from man/fetchsum.1"
done
if command -v man > /dev/null; then
  MANWIDTH=80 man -l "$repo/man/fetchsum.1" > "$SCRATCH/man.txt" 2>/dev/null \
    || fail "the man page does not render"
fi
pass "docs cover every option of --help"
