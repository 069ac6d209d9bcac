#!/bin/bash
# "Never a false OK" at the input edges: -c as strict as sha256sum -c,
# verdicts that cannot be spoofed, bounded memory whatever the input, one
# record codec that never crashes, options that are checked.
source "$(dirname "$0")/lib.sh"
start_origin main --documents 20
cut -c 131- "$MANIFEST" > "$SCRATCH/urls.txt"
sum0=$(head -1 "$MANIFEST" | cut -c 1-128)
url0=$(head -1 "$MANIFEST" | cut -c 131-)

# -- -c: a checksum file with no checksum line is an error -------------------
: > "$SCRATCH/empty.sums"
echo '<html><body>Not Found</body></html>' > "$SCRATCH/page.sums"
for f in empty page; do
  expect_status 1 "$FETCHSUM" -c "$SCRATCH/$f.sums" 2> "$SCRATCH/$f.err"
  grep -qF "fetchsum: $SCRATCH/$f.sums: no properly formatted checksum lines found" "$SCRATCH/$f.err" \
    || fail "-c $f.sums: $(cat "$SCRATCH/$f.err")"
done

# -- -c: verdicts in the checksum file's order, counted in the summary --------
# The first URL answers last (after 1.5 s); sha256sum order is file order.
{ echo "$sum0  $BASE/slow/1500"; cat "$MANIFEST"; echo "$sum0  $BASE/status/404"; echo "garbage"; } \
  > "$SCRATCH/mixed.sums"
expect_status 1 "$FETCHSUM" -c "$SCRATCH/mixed.sums" > "$SCRATCH/mixed.out" 2> "$SCRATCH/mixed.err"
{ echo "$BASE/slow/1500: FAILED"; cut -c 131- "$MANIFEST" | sed 's/$/: OK/'
  echo "$BASE/status/404: FAILED open or read"; } > "$SCRATCH/mixed.want"
diff "$SCRATCH/mixed.want" "$SCRATCH/mixed.out" > /dev/null || fail "-c verdicts not in file order: $(diff "$SCRATCH/mixed.want" "$SCRATCH/mixed.out" | head -5)"
grep -qF "fetchsum: 23 checksum lines: 20 OK, 1 FAILED, 1 unreadable, 1 improperly formatted" "$SCRATCH/mixed.err" \
  || fail "-c summary does not count verdicts: $(tail -1 "$SCRATCH/mixed.err")"

# -- --ignore-missing: 404/410 give no verdict and no failure ------------------
{ head -3 "$MANIFEST"; echo "$sum0  $BASE/status/404"; echo "$sum0  $BASE/status/410"; } > "$SCRATCH/missing.sums"
expect_status 0 "$FETCHSUM" -c --ignore-missing "$SCRATCH/missing.sums" > "$SCRATCH/missing.out" 2>/dev/null
[[ $(wc -l < "$SCRATCH/missing.out") -eq 3 ]] && ! grep -q status "$SCRATCH/missing.out" \
  || fail "--ignore-missing printed: $(cat "$SCRATCH/missing.out")"
echo "$sum0  $BASE/status/404" > "$SCRATCH/allmissing.sums"
expect_status 1 "$FETCHSUM" -c --ignore-missing "$SCRATCH/allmissing.sums" 2> "$SCRATCH/allmissing.err"
grep -q "no URL was verified" "$SCRATCH/allmissing.err" || fail "all missing: $(cat "$SCRATCH/allmissing.err")"

# -- no verdict spoofing: a NUL or an escaped newline never yields "URL: OK" --
printf '%s  %s\0http://evil.test/\n' "$sum0" "$url0" > "$SCRATCH/nul.sums"
printf '\\%s  %s\\nhttp://evil.test/\n' "$sum0" "$url0" > "$SCRATCH/newline.sums"
for f in nul newline; do
  expect_status 1 "$FETCHSUM" -c "$SCRATCH/$f.sums" > "$SCRATCH/$f.out" 2>/dev/null
  grep -q ": OK" "$SCRATCH/$f.out" && fail "-c $f.sums printed an OK: $(cat -A "$SCRATCH/$f.out")"
  [[ $(wc -l < "$SCRATCH/$f.out") -eq 1 ]] || fail "-c $f.sums: $(cat -A "$SCRATCH/$f.out")"
done
grep -q '^\\' "$SCRATCH/newline.out" || fail "an escaped name is not marked with a backslash"
# The same in a URL list: the part before the NUL is never fetched.
printf '%s\0/../evil\n' "$url0" > "$SCRATCH/nul.txt"
expect_status 1 "$FETCHSUM" --format json "$SCRATCH/nul.txt" > "$SCRATCH/nul.json" 2>/dev/null
grep -q '"error":"bad_url"' "$SCRATCH/nul.json" || fail "a URL with a NUL was fetched: $(cat "$SCRATCH/nul.json")"
# Any other control byte too (SOH, ESC, DEL, a TAB inside, SOH in front):
# one bad_url record per line, naming the line as it is, and no request.
printf '%s?\x01\n%s\x1b[2J\n%s\x7f\n%s?a\tb\n\x01%s\n' "$url0" "$url0" "$url0" "$url0" "$url0" \
  > "$SCRATCH/ctl.txt"
r0=$(curl -s "$BASE/stats" | sed -n 's/^requests //p')
expect_status 1 "$FETCHSUM" --format json "$SCRATCH/ctl.txt" > "$SCRATCH/ctl.json" 2>/dev/null
r1=$(curl -s "$BASE/stats" | sed -n 's/^requests //p')
(( r1 - r0 == 1 )) || fail "URLs with control bytes were fetched: $((r1 - r0 - 1)) requests"
python3 -c '
import json, sys
lines = open(sys.argv[1], "rb").read().decode().split("\n")[:-1]
records = sorted((json.loads(l) for l in open(sys.argv[2])), key=lambda r: r["seq"])
assert [r["url"] for r in records] == lines, records
assert all(r["error"] == "bad_url" and r["attempts"] == 0 for r in records), records
' "$SCRATCH/ctl.txt" "$SCRATCH/ctl.json" || fail "control bytes: $(cat -A "$SCRATCH/ctl.json")"

# -- lines: CR alone ends a line; JSON output is valid UTF-8 whatever the bytes
printf '%s\r%s\r' "$url0" "$(sed -n 2p "$SCRATCH/urls.txt")" > "$SCRATCH/cr.txt"
expect_status 0 "$FETCHSUM" "$SCRATCH/cr.txt" > "$SCRATCH/cr.out" 2>/dev/null
[[ $(wc -l < "$SCRATCH/cr.out") -eq 2 ]] || fail "CR-only lines: $(cat "$SCRATCH/cr.out")"
printf '%s?\xff\xfe\xc3\xa9\n' "$url0" > "$SCRATCH/bytes.txt"
"$FETCHSUM" --format json "$SCRATCH/bytes.txt" > "$SCRATCH/bytes.json" 2>/dev/null || true
python3 -c '
import json, sys
data = open(sys.argv[1], "rb").read()
data.decode("utf-8")  # raises on invalid UTF-8
assert len([json.loads(l) for l in data.splitlines()]) == 1
' "$SCRATCH/bytes.json" || fail "JSON output is not valid UTF-8: $(cat -A "$SCRATCH/bytes.json")"
# ... and it reads back (-c, --diff) as exactly those bytes.
"$FETCHSUM" --format json "$SCRATCH/urls.txt" > "$SCRATCH/run.json" 2>/dev/null
cat "$SCRATCH/bytes.json" >> "$SCRATCH/run.json"
expect_status 0 "$FETCHSUM" -q --diff "$SCRATCH/run.json" "$SCRATCH/urls.txt" > /dev/null

# -- bounded memory: an endless line is refused, fast, for every input --------
zero=$SCRATCH/zero
ln -s /dev/zero "$zero"
expect_status 2 timeout 20 "$FETCHSUM" "$zero" 2> "$SCRATCH/z1.err"
grep -q "line 1 is longer than 65536 bytes" "$SCRATCH/z1.err" || fail "list /dev/zero: $(cat "$SCRATCH/z1.err")"
expect_status 2 timeout 20 "$FETCHSUM" -c "$zero" 2> "$SCRATCH/z2.err"
grep -q "longer than 65536 bytes" "$SCRATCH/z2.err" || fail "-c /dev/zero: $(cat "$SCRATCH/z2.err")"
expect_status 2 timeout 20 "$FETCHSUM" --diff "$zero" "$SCRATCH/urls.txt" 2> "$SCRATCH/z3.err"
grep -q "longer than 65536 bytes" "$SCRATCH/z3.err" || fail "--diff /dev/zero: $(cat "$SCRATCH/z3.err")"
expect_status 2 timeout 20 "$FETCHSUM" < /dev/zero 2> "$SCRATCH/z4.err"
grep -q "standard input: line 1 is longer" "$SCRATCH/z4.err" || fail "stdin /dev/zero: $(cat "$SCRATCH/z4.err")"

# -- -k: a slow first URL holds back admission, not memory ---------------------
# With a window of 50, while /slow/2000 runs no more than 50 URLs are fetched.
{ echo "$BASE/slow/2000"; for i in $(seq 500); do echo "$BASE/doc/$((i % 20))?$i"; done; } > "$SCRATCH/slowhead.txt"
"$FETCHSUM" -q -k --order-window 50 -j 64 --per-host 64 "$SCRATCH/slowhead.txt" > "$SCRATCH/slowhead.out" 2>/dev/null &
pid=$!
r0=$(curl -s "$BASE/stats" | sed -n 's/^requests //p')
sleep 1
r1=$(curl -s "$BASE/stats" | sed -n 's/^requests //p')
wait $pid || fail "-k run failed"
[[ $(wc -l < "$SCRATCH/slowhead.out") -eq 501 ]] || fail "-k wrote $(wc -l < "$SCRATCH/slowhead.out") records"
# Between r0 and r1: the slow URL, at most 50 behind it, and one /stats.
(( r1 - r0 <= 52 )) || fail "-k admitted $((r1 - r0 - 1)) requests behind a slow head (window 50)"
(( r1 - r0 >= 40 )) || fail "-k fetched only $((r1 - r0 - 1)) URLs behind the head: window not used"

# -- -c: the same back-pressure, verdicts still in file order -----------------
# With a window of 50, while the first line's /slow/3000 runs no more than 50
# of the 500 lines behind it are fetched; its verdict still comes first.
{ echo "$sum0  $BASE/slow/3000"
  awk 'NR <= 20 { line[NR % 20] = $0 } END { for (i = 1; i <= 500; i++) print line[i % 20] "?" i }' "$MANIFEST"
} > "$SCRATCH/slowhead.sums"
r0=$(curl -s "$BASE/stats" | sed -n 's/^requests //p')
"$FETCHSUM" -c --order-window 50 -j 64 --per-host 64 "$SCRATCH/slowhead.sums" \
  > "$SCRATCH/slowhead-c.out" 2>/dev/null &
pid=$!
sleep 2
r1=$(curl -s "$BASE/stats" | sed -n 's/^requests //p')
status=0
wait $pid || status=$?
[[ $status -eq 1 ]] || fail "-c behind a slow head: exit $status, expected 1 (its line is FAILED)"
{ echo "$BASE/slow/3000: FAILED"; cut -c 131- "$SCRATCH/slowhead.sums" | tail -n +2 | sed 's/$/: OK/'; } \
  > "$SCRATCH/slowhead-c.want"
diff "$SCRATCH/slowhead-c.want" "$SCRATCH/slowhead-c.out" > /dev/null \
  || fail "-c behind a slow head: $(diff "$SCRATCH/slowhead-c.want" "$SCRATCH/slowhead-c.out" | head -5)"
# Between r0 and r1: the slow URL, at most 50 behind it, and the second /stats.
(( r1 - r0 <= 52 )) || fail "-c admitted $((r1 - r0 - 2)) requests behind a slow head (window 50)"
(( r1 - r0 >= 40 )) || fail "-c fetched only $((r1 - r0 - 2)) URLs behind the head: window not used"

# -- --diff refuses what is not fetchsum JSON, and needs a common digest ------
expect_status 2 "$FETCHSUM" --diff "$MANIFEST" "$SCRATCH/urls.txt" 2> "$SCRATCH/d1.err"
grep -q "not a fetchsum JSON record" "$SCRATCH/d1.err" || fail "--diff sums file: $(cat "$SCRATCH/d1.err")"
expect_status 2 "$FETCHSUM" --algo sha256 --diff "$SCRATCH/run.json" "$SCRATCH/urls.txt" 2> "$SCRATCH/d2.err"
grep -q "no digest in common" "$SCRATCH/d2.err" || fail "--diff without a common digest: $(cat "$SCRATCH/d2.err")"
expect_status 0 "$FETCHSUM" -q --algo sha256,sha512 --diff "$SCRATCH/run.json" --format json \
  "$SCRATCH/urls.txt" > "$SCRATCH/d3.out"
[[ $(grep -c '"mark":"unchanged"' "$SCRATCH/d3.out") -eq 20 ]] || fail "--diff on the common digest: $(head -2 "$SCRATCH/d3.out")"
# A record that crashed the old scanners (uncaught std::stoi, exit 134).
echo '{"url":"\uzzzz","seq":0,"ok":true,"digests":{},"error":null}' > "$SCRATCH/bad.json"
expect_status 2 "$FETCHSUM" --diff "$SCRATCH/bad.json" "$SCRATCH/urls.txt"
expect_status 2 "$FETCHSUM" --journal "$SCRATCH/bad.json" "$SCRATCH/urls.txt"
expect_status 1 "$FETCHSUM" -c "$SCRATCH/bad.json" 2>/dev/null

# -- options that would crash or stall the machine are refused ----------------
expect_status 2 "$FETCHSUM" --scheduler.max-threads=0 "$SCRATCH/urls.txt"
expect_status 2 "$FETCHSUM" --scheduler.max-threads=100000 "$SCRATCH/urls.txt"
printf '[scheduler]\nmax-threads=0\n' > "$SCRATCH/caf.ini"
expect_status 2 "$FETCHSUM" --config-file "$SCRATCH/caf.ini" "$SCRATCH/urls.txt"
expect_status 2 "$FETCHSUM" --algo sha512,sha512 "$SCRATCH/urls.txt"
expect_status 2 "$FETCHSUM" --algo null "$SCRATCH/urls.txt"
expect_status 2 "$FETCHSUM" --algo sha512,,sha256 "$SCRATCH/urls.txt"
expect_status 2 "$FETCHSUM" "$SCRATCH"  # a directory as list
pass "strict -c, unspoofable verdicts, bounded input, checked options"
