#!/bin/bash
# -c/--check: fetchsum's own output in every format verifies; mismatches,
# unreadable URLs and malformed lines are reported as sha256sum -c does.
source "$(dirname "$0")/lib.sh"
start_origin main --documents 6
for n in 0 1 2 3 4 5; do echo "$BASE/doc/$n"; done > "$SCRATCH/urls.txt"

# Every output format verifies with -c.
"$FETCHSUM" -q "$SCRATCH/urls.txt" > "$SCRATCH/sum.txt"
"$FETCHSUM" -q -a sha256 --format tag "$SCRATCH/urls.txt" > "$SCRATCH/tag.txt"
"$FETCHSUM" -q -a sha384 --format sri "$SCRATCH/urls.txt" > "$SCRATCH/sri.txt"
"$FETCHSUM" -q -a md5 --format json "$SCRATCH/urls.txt" > "$SCRATCH/json.txt"
for f in sum tag sri json; do
  "$FETCHSUM" -c "$SCRATCH/$f.txt" > "$SCRATCH/$f.check" 2> "$SCRATCH/$f.err" \
    || fail "$f output does not verify: $(cat "$SCRATCH/$f.check" "$SCRATCH/$f.err")"
  [[ $(grep -c ': OK$' "$SCRATCH/$f.check") -eq 6 ]] || fail "$f: not 6 OK lines"
done
# So does a line sha256sum wrote for the same bytes, named by the URL.
curl -sf "$BASE/doc/3" | sha256sum | sed "s|-\$|$BASE/doc/3|" > "$SCRATCH/coreutils.txt"
"$FETCHSUM" -c "$SCRATCH/coreutils.txt" | grep -qx "$BASE/doc/3: OK" || fail "sha256sum line"

# A wrong digest, an unreadable URL and a malformed line.
{ sed '1s/^./0/' "$SCRATCH/sum.txt"   # first digest changed
  head -1 "$SCRATCH/sum.txt" | sed "s|/doc/[0-9]*\$|/status/404|"
  echo "not a checksum line"; } > "$SCRATCH/bad.txt"
expect_status 1 "$FETCHSUM" -c --warn "$SCRATCH/bad.txt" > "$SCRATCH/bad.out" 2> "$SCRATCH/bad.err"
[[ $(grep -c ': FAILED$' "$SCRATCH/bad.out") -eq 1 ]] || fail "no FAILED line: $(cat "$SCRATCH/bad.out")"
grep -qx "$BASE/status/404: FAILED open or read" "$SCRATCH/bad.out" || fail "no FAILED open or read"
[[ $(grep -c ': OK$' "$SCRATCH/bad.out") -eq 5 ]] || fail "OK lines"
for want in "bad.txt: 8: improperly formatted checksum line" \
            "WARNING: 1 line is improperly formatted" \
            "WARNING: 1 listed URL could not be read" \
            "WARNING: 1 computed checksum did NOT match"; do
  grep -qF "$want" "$SCRATCH/bad.err" || fail "stderr lacks '$want': $(cat "$SCRATCH/bad.err")"
done

# --quiet hides OK lines, --status prints nothing; --strict fails on
# malformed lines alone.
"$FETCHSUM" -c --quiet "$SCRATCH/bad.txt" > "$SCRATCH/quiet.out" 2>/dev/null || true
grep -q ': OK$' "$SCRATCH/quiet.out" && fail "--quiet printed OK lines"
expect_status 1 "$FETCHSUM" -c --status "$SCRATCH/bad.txt" > "$SCRATCH/status.out" 2> "$SCRATCH/status.err"
[[ ! -s $SCRATCH/status.out && ! -s $SCRATCH/status.err ]] || fail "--status printed something"
{ cat "$SCRATCH/sum.txt"; echo "junk"; } > "$SCRATCH/junk.txt"
expect_status 0 "$FETCHSUM" -c -q "$SCRATCH/junk.txt" > /dev/null 2>&1
expect_status 1 "$FETCHSUM" -c -q --strict "$SCRATCH/junk.txt" > /dev/null 2>&1
pass "-c verifies every format and reports like sha256sum -c"
