#!/bin/bash
# One URL of each error kind: exactly one record each, of the right kind.
source "$(dirname "$0")/lib.sh"
start_origin main --documents 20
refused=$(closed_port)
# A DNS failure that never leaves the machine: glibc refuses a label longer
# than 63 bytes before building a query, so no packet reaches a nameserver.
unresolvable=$(printf 'a%.0s' $(seq 64)).invalid

# url<TAB>expected error kind ("null" for success)
cat > "$SCRATCH/cases.tsv" <<CASES
$BASE/doc/1	null
$BASE/redirect/3	null
http://127.0.0.1:$refused/	connect
$BASE/status/404	http_status
$BASE/status/500	http_status
http://exa mple/	bad_url
not a url	bad_url
ftp://127.0.0.1/x	unsupported_scheme
file:///etc/passwd	unsupported_scheme
$BASE/redirect-to?url=file%3A%2F%2F%2Fetc%2Fpasswd	unsupported_scheme
$BASE/loop	too_many_redirects
$BASE/truncated/100000	truncated
$BASE/stall	stall
$BASE/big/2	too_large
$BASE/endless	too_large
http://$unresolvable/	dns
https://127.0.0.1:${BASE##*:}/doc/1	tls
$BASE/doc/2	null
CASES
cut -f1 "$SCRATCH/cases.tsv" > "$SCRATCH/urls.txt"

expect_status 1 "$FETCHSUM" -q --format json --retries 0 --stall-time 1 --max-size 100000 \
  --max-redirs 5 "$SCRATCH/urls.txt" > "$SCRATCH/out.jsonl"

python3 - "$SCRATCH/cases.tsv" "$SCRATCH/out.jsonl" <<'PY'
import json, sys
cases = [line.rstrip("\n").split("\t") for line in open(sys.argv[1])]
records = [json.loads(line) for line in open(sys.argv[2])]
problems = []
if len(records) != len(cases):
    problems.append(f"{len(records)} records for {len(cases)} URLs")
seqs = [r["seq"] for r in records]
if sorted(seqs) != list(range(len(cases))):
    problems.append(f"seq values are not exactly 0..{len(cases)-1}: {sorted(seqs)}")
by_seq = {r["seq"]: r for r in records}
for seq, (url, kind) in enumerate(cases):
    r = by_seq.get(seq)
    if r is None:
        continue
    want = None if kind == "null" else kind
    if r["url"] != url:
        problems.append(f"seq {seq}: url {r['url']!r}, expected {url!r}")
    if r["error"] != want:
        problems.append(f"{url}: error {r['error']!r} ({r['message']}), expected {want!r}")
    if r["ok"] != (want is None):
        problems.append(f"{url}: ok is {r['ok']}")
    if want is not None and r["digests"]:
        problems.append(f"{url}: a failed record carries digests")
    if want is None and len(r["digests"].get("sha512", "")) != 128:
        problems.append(f"{url}: no sha512 digest")
    for field in ("message", "http_status", "bytes", "final_url", "attempts", "elapsed_ms"):
        if field not in r:
            problems.append(f"{url}: field {field} missing")
print("\n".join(problems) or "all kinds as expected")
sys.exit(1 if problems else 0)
PY

# A followed redirect reports where it ended.
grep -q "\"final_url\":\"$BASE/doc/0\"" "$SCRATCH/out.jsonl" || fail "final_url of /redirect/3 is not /doc/0"

# In sum format, failures are on stderr and only successes on stdout.
expect_status 1 "$FETCHSUM" -q --retries 0 --stall-time 1 --max-size 100000 --max-redirs 5 \
  "$SCRATCH/urls.txt" > "$SCRATCH/out.txt" 2> "$SCRATCH/err.txt"
[[ $(wc -l < "$SCRATCH/out.txt") -eq 3 ]] || fail "expected 3 digest lines on stdout"
[[ $(grep -c '^fetchsum: ' "$SCRATCH/err.txt") -eq 15 ]] || fail "expected 15 error lines on stderr: $(cat "$SCRATCH/err.txt")"
grep -qF "fetchsum: $BASE/status/404: HTTP 404 Not Found" "$SCRATCH/err.txt" || fail "404 message"
# The summary counts failures by kind.
"$FETCHSUM" --retries 0 --stall-time 1 --max-size 100000 --max-redirs 5 "$SCRATCH/urls.txt" \
  > /dev/null 2> "$SCRATCH/summary.txt" || true
grep -qE '^fetchsum: 18 URLs, 3 ok, 15 failed \(3 unsupported_scheme, 2 bad_url, 2 http_status, 2 too_large, .*1 dns' \
  "$SCRATCH/summary.txt" || fail "summary by kind: $(tail -1 "$SCRATCH/summary.txt")"
# A whole-transfer timeout, with the stall check off so only --max-time fires.
echo "$BASE/slow/5000" | expect_status 1 "$FETCHSUM" -q --format json --retries 0 --max-time 1 \
  --stall-time 0 > "$SCRATCH/timeout.jsonl"
grep -q '"error":"timeout"' "$SCRATCH/timeout.jsonl" || fail "no timeout: $(cat "$SCRATCH/timeout.jsonl")"
# A body dripping one byte a second is slow, not stalled: it succeeds.
echo "$BASE/drip/3" | "$FETCHSUM" -q --retries 0 --stall-time 2 > "$SCRATCH/drip.txt" \
  || fail "a 1 byte/s drip failed"
[[ $(cut -d' ' -f1 "$SCRATCH/drip.txt") == "$(printf ddd | sha512sum | cut -d' ' -f1)" ]] \
  || fail "drip digest"
pass "every error kind yields exactly one record of that kind"
