# JSON records explain themselves: validators, type, declared length, HTTP
# version, the address and port connected to, the redirect chain, timings of
# the last attempt and elapsed time across attempts, each compared with what
# the origin serves; -v says the same on one line.
source "$(dirname "$0")/lib.sh"

start_origin records
PORT=${BASE##*:}
DEAD=$(closed_port)
cat > "$SCRATCH/list" <<EOF
$BASE/validated/3
$BASE/modified/4
$BASE/redirect/2
$BASE/status/404
http://127.0.0.1:$DEAD/x
EOF

"$FETCHSUM" --format json -v --retries 1 --retry-delay 0.2 "$SCRATCH/list" \
  > "$SCRATCH/out.jsonl" 2> "$SCRATCH/err" || true
[[ $(wc -l < "$SCRATCH/out.jsonl") -eq 5 ]] || fail "expected 5 records: $(cat "$SCRATCH/out.jsonl")"

# What the origin serves, seen independently with curl.
curl -sD "$SCRATCH/validated.headers" -o /dev/null "$BASE/validated/3"
ETAG=$(tr -d '\r' < "$SCRATCH/validated.headers" | sed -n 's/^ETag: //Ip')
MODIFIED=$(tr -d '\r' < "$SCRATCH/validated.headers" | sed -n 's/^Last-Modified: //Ip')
LENGTH=$(tr -d '\r' < "$SCRATCH/validated.headers" | sed -n 's/^Content-Length: //Ip')
[[ -n $ETAG && -n $MODIFIED && -n $LENGTH ]] || fail "origin headers: $(cat "$SCRATCH/validated.headers")"

python3 - "$SCRATCH/out.jsonl" "$BASE" "$PORT" "$ETAG" "$MODIFIED" "$LENGTH" "$DEAD" <<'EOF'
import json, sys
path, base, port, etag, modified, length, dead = sys.argv[1:]
records = {}
for line in open(path):
    r = json.loads(line)
    records[r["url"][len(base):] if r["url"].startswith(base) else "dead"] = r

def expect(cond, what):
    if not cond:
        sys.exit("FAIL: %s: %s" % (what, json.dumps(records, indent=1)))

v = records["/validated/3"]
expect(v["ok"] and v["http_status"] == 200, "validated ok")
expect(v["etag"] == etag, "etag as served")
expect(v["last_modified"] == modified, "last_modified as served")
expect(v["content_type"] == "text/plain; charset=utf-8", "content_type")
expect(v["content_length"] == int(length) == v["bytes"], "declared length")
expect(v["http_version"] == "1.1", "http_version")
expect(v["remote_ip"] == "127.0.0.1" and v["remote_port"] == int(port), "remote address")
expect(v["redirects"] == [], "no redirects")
t = v["timings"]
expect(set(t) == {"dns_ms", "connect_ms", "tls_ms", "first_byte_ms", "total_ms"}, "timing names")
expect(t["tls_ms"] == 0 and t["first_byte_ms"] <= t["total_ms"] and t["total_ms"] > 0, "timings ordered")
expect(isinstance(v["elapsed_ms"], int), "elapsed_ms")

m = records["/modified/4"]
expect(m["etag"] is None and m["last_modified"] == modified, "Last-Modified only")

r = records["/redirect/2"]
expect(r["redirects"] == [base + "/redirect/1", base + "/doc/0"], "redirect chain")
expect(r["final_url"] == base + "/doc/0", "final_url is the chain's end")

n = records["/status/404"]
expect(not n["ok"] and n["http_status"] == 404 and n["content_type"] == "text/plain", "404 described")

d = records["dead"]
expect(d["error"] == "connect" and d["attempts"] == 2, "refused twice")
expect(d["http_version"] is None and d["remote_port"] is None and d["content_length"] is None, "no response: nulls")
# elapsed_ms spans both attempts and the back-off between them; the last
# attempt's own total is far shorter.
expect(d["elapsed_ms"] >= d["timings"]["total_ms"], "elapsed across attempts")
EOF

grep -q "^fetchsum: $BASE/validated/3: HTTP/1.1 200, [0-9]* bytes of text/plain; charset=utf-8, 127.0.0.1:$PORT, [0-9]* ms (dns [0-9.]*, connect [0-9.]*, first byte [0-9.]*, last attempt [0-9.]*), 1 attempt, etag $ETAG\$" "$SCRATCH/err" \
  || fail "-v line of /validated/3: $(grep validated "$SCRATCH/err")"
grep -q "^fetchsum: $BASE/redirect/2: .*, 2 redirects, now $BASE/doc/0\$" "$SCRATCH/err" \
  || fail "-v line of /redirect/2: $(grep redirect "$SCRATCH/err")"

# The fields survive the journal: a resumed run re-emits them unchanged.
echo "$BASE/validated/3" > "$SCRATCH/one"
"$FETCHSUM" --format json --journal "$SCRATCH/journal" "$SCRATCH/one" > "$SCRATCH/first.jsonl" 2>/dev/null
"$FETCHSUM" --format json --journal "$SCRATCH/journal" "$SCRATCH/one" > "$SCRATCH/again.jsonl" 2>/dev/null
cmp -s "$SCRATCH/first.jsonl" "$SCRATCH/again.jsonl" \
  || fail "journal re-emit differs: $(cat "$SCRATCH/first.jsonl" "$SCRATCH/again.jsonl")"
grep -q '"etag":"\\"' "$SCRATCH/again.jsonl" || fail "re-emitted record lost its etag"
echo "test_records: ok"
