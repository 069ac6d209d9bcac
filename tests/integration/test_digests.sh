#!/bin/bash
# 2,000 documents: every digest equals sha512sum of the served bytes.
source "$(dirname "$0")/lib.sh"
start_origin main --documents 2000

cut -c 131- "$MANIFEST" > "$SCRATCH/urls.txt"
[[ $(wc -l < "$SCRATCH/urls.txt") -eq 2000 ]] || fail "manifest has no 2000 URLs"

"$FETCHSUM" -q -j 64 --per-host 64 "$SCRATCH/urls.txt" > "$SCRATCH/out.txt"
[[ $(wc -l < "$SCRATCH/out.txt") -eq 2000 ]] || fail "$(wc -l < "$SCRATCH/out.txt") records, expected 2000"
diff <(sort "$MANIFEST") <(sort "$SCRATCH/out.txt") > "$SCRATCH/diff" \
  || fail "digests differ from the origin's manifest: $(head -5 "$SCRATCH/diff")"

# Independent of the origin's own bookkeeping: curl's bytes through sha512sum.
for n in 0 1 7 42 499 999 1500 1999; do
  url="$BASE/doc/$n"
  want=$(curl -sf "$url" | sha512sum | cut -d' ' -f1)
  grep -qx "$want  $url" "$SCRATCH/out.txt" || fail "digest of $url differs from curl | sha512sum"
done

# The same through stdin, with the default per-host cap.
"$FETCHSUM" -q < "$SCRATCH/urls.txt" > "$SCRATCH/stdin.txt"
diff <(sort "$MANIFEST") <(sort "$SCRATCH/stdin.txt") > /dev/null \
  || fail "stdin run differs from the manifest"
pass "2000 digests equal the served bytes"
