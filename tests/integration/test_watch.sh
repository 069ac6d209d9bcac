# Change watch without re-downloading: --diff sends the earlier record's
# ETag (If-None-Match) or Last-Modified (If-Modified-Since); a 304 is an
# unchanged record carrying the earlier digests, counted in the summary;
# --no-conditional fetches every body again; sum format says the marks on
# stderr. The origin counts the 304s it sent (/stats).
source "$(dirname "$0")/lib.sh"

stats() { curl -s "$BASE/stats" | sed -n "s/^$1 //p"; }

start_origin one --seed 1
cat > "$SCRATCH/list" <<EOF
$BASE/validated/1
$BASE/modified/2
$BASE/doc/3
$BASE/status/404
$BASE/redirect-to?url=/validated/5
EOF
"$FETCHSUM" --format json -q "$SCRATCH/list" > "$SCRATCH/run1.jsonl" || true
[[ $(wc -l < "$SCRATCH/run1.jsonl") -eq 5 ]] || fail "run 1: $(cat "$SCRATCH/run1.jsonl")"
[[ $(stats not_modified) -eq 0 ]] || fail "304s before any conditional request"

# Run 2, nothing changed: two URLs have validators and come back 304. The
# redirected one is not asked: its validators are its target's, and where
# it leads may have changed (libcurl sends the condition to every hop).
"$FETCHSUM" --format json --diff "$SCRATCH/run1.jsonl" "$SCRATCH/list" \
  > "$SCRATCH/run2.jsonl" 2> "$SCRATCH/run2.err" && fail "a 404 must make the exit status 1"
[[ $(stats not_modified) -eq 2 ]] || fail "origin sent $(stats not_modified) 304s, expected 2"
grep -q "4 unchanged (2 not modified, 304), 0 gone" "$SCRATCH/run2.err" \
  || fail "summary: $(cat "$SCRATCH/run2.err")"
python3 - "$SCRATCH/run1.jsonl" "$SCRATCH/run2.jsonl" "$BASE" <<'EOF'
import json, sys
first = {r["url"]: r for r in map(json.loads, open(sys.argv[1]))}
second = {r["url"]: r for r in map(json.loads, open(sys.argv[2]))}
base = sys.argv[3]
for path in ("/validated/1", "/modified/2"):
    a, b = first[base + path], second[base + path]
    if not (b["ok"] and b["http_status"] == 304 and b["not_modified"] is True
            and b["mark"] == "unchanged" and b["bytes"] == 0
            and b["digests"] == a["digests"] and b["digests"]):
        sys.exit("FAIL: 304 record of %s: %s" % (path, b))
d = second[base + "/doc/3"]
if not (d["http_status"] == 200 and d["not_modified"] is False and d["mark"] == "unchanged"):
    sys.exit("FAIL: /doc/3 has no validator, fetched whole: %s" % d)
if second[base + "/status/404"]["not_modified"] is not False:
    sys.exit("FAIL: 404")
r = second[base + "/redirect-to?url=/validated/5"]
if not (r["http_status"] == 200 and r["not_modified"] is False and r["mark"] == "unchanged"
        and r["redirects"] == [base + "/validated/5"]):
    sys.exit("FAIL: a redirected URL was asked conditionally: %s" % r)
EOF

# A 304 record of run 2 is as good as a fetched one for run 3.
"$FETCHSUM" --format json --diff "$SCRATCH/run2.jsonl" "$SCRATCH/list" > "$SCRATCH/run3.jsonl" 2>/dev/null || true
[[ $(stats not_modified) -eq 4 ]] || fail "run 3 chained on run 2's 304 records: $(stats not_modified) 304s"

# --no-conditional asks nothing.
"$FETCHSUM" --format json --no-conditional --diff "$SCRATCH/run1.jsonl" "$SCRATCH/list" > /dev/null 2>&1 || true
[[ $(stats not_modified) -eq 4 ]] || fail "--no-conditional sent a conditional request"

# The content changes (another seed: other bodies, ETags and dates): the
# server answers 200 and the records are changed, with the new digests.
kill "${ORIGIN_PIDS[0]}"; wait "${ORIGIN_PIDS[0]}" 2>/dev/null || true
PORT=${BASE##*:}
"$ORIGIN_BIN" --port "$PORT" --seed 2 --port-file "$SCRATCH/two.port" > /dev/null 2>&1 &
ORIGIN_PIDS+=($!)
for _ in $(seq 100); do [[ -s $SCRATCH/two.port ]] && break; sleep 0.05; done
[[ -s $SCRATCH/two.port ]] || fail "origin 2 did not start"
"$FETCHSUM" --diff "$SCRATCH/run1.jsonl" "$SCRATCH/list" > "$SCRATCH/run4.out" 2> "$SCRATCH/run4.err" || true
[[ $(stats not_modified) -eq 0 ]] || fail "changed content answered 304"
# Sum lines stay as sha512sum writes them; the marks go to stderr.
[[ $(wc -l < "$SCRATCH/run4.out") -eq 4 ]] || fail "sum lines: $(cat "$SCRATCH/run4.out")"
grep -qv '^[0-9a-f]\{128\}  http' "$SCRATCH/run4.out" && fail "not sha512sum lines: $(cat "$SCRATCH/run4.out")"
for path in /validated/1 /modified/2 /doc/3; do
  grep -qx "fetchsum: $BASE$path: changed" "$SCRATCH/run4.err" || fail "no changed mark for $path: $(cat "$SCRATCH/run4.err")"
  grep -q "  $BASE$path\$" "$SCRATCH/run4.out" || fail "no sum line for $path"
  grep -q "$(grep "  $BASE$path\$" "$SCRATCH/run4.out" | cut -c1-128)" "$SCRATCH/run1.jsonl" \
    && fail "$path: the old digest after a change"
done
grep -q "diff: 0 new, 4 changed, 0 unchanged, 0 gone" "$SCRATCH/run4.err" || fail "summary 4: $(cat "$SCRATCH/run4.err")"
echo "test_watch: ok"
