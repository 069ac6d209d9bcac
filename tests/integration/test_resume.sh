#!/bin/bash
# Range resume through the real binary: bodies that break at pseudo-random
# offsets (a seed of its own each run, printed) continue with Range + If-Range
# where the validator allows it and start again from byte 0 where it does not.
# Whatever the path, the digest equals sha512sum of the whole body, which the
# test gets on its own (curl of ?whole=1), never from fetchsum.
source "$(dirname "$0")/lib.sh"
SEED=${FETCHSUM_TEST_SEED:-$((RANDOM * 32768 + RANDOM))}
echo "origin seed $SEED (FETCHSUM_TEST_SEED=$SEED reproduces it)"
start_origin a --documents 1 --seed "$SEED"

# path: resumed_bytes > 0?, attempts
cat > "$SCRATCH/want.txt" <<WANT
resume/etag/16000000/1/a yes 2
resume/lm/8000000/1/b yes 2
resume/norange/8000000/1/c no 2
resume/badrange/8000000/1/d no 3
resume/changing/8000000/1/e no 2
resume/etag/30000000/8/f yes 9
resume/weak/4000000/1/g no 2
resume/ignoreifrange/8000000/1/h no 3
WANT
cut -d' ' -f1 "$SCRATCH/want.txt" | sed "s|^|$BASE/|" > "$SCRATCH/urls.txt"
# Default --retries (3): a body that breaks 8 times still completes, since
# each break after progress is a free resume.
status=0
"$FETCHSUM" --format json -v --retry-delay 0.05 -o "$SCRATCH/run.jsonl" \
  "$SCRATCH/urls.txt" 2> "$SCRATCH/run.err" || status=$?
# The digests of the whole bodies as served now, independently of fetchsum.
while read -r path _; do
  echo "$path $(curl -s "$BASE/$path?whole=1" | sha512sum | cut -d' ' -f1)"
done < "$SCRATCH/want.txt" > "$SCRATCH/sums.txt"
python3 - "$SCRATCH/run.jsonl" "$SCRATCH/want.txt" "$SCRATCH/sums.txt" <<'PY' \
  || fail "records (seed $SEED)"
import json, sys
records = {r["url"].split("/", 3)[3]: r for r in map(json.loads, open(sys.argv[1]))}
sums = dict(line.split() for line in open(sys.argv[3]))
bad = []
for line in open(sys.argv[2]):
    path, resumed, attempts = line.split()
    r = records[path]
    if r["digests"].get("sha512") != sums[path]:
        bad.append(f"{path}: digest {r['digests']} is not the whole body's {sums[path][:16]}")
    if (r.get("resumed_bytes", 0) > 0) != (resumed == "yes"):
        bad.append(f"{path}: resumed_bytes {r.get('resumed_bytes')}, want {resumed}")
    if r["attempts"] != int(attempts):
        bad.append(f"{path}: {r['attempts']} attempts, want {attempts}: {r['earlier']}")
    if len(r["earlier"]) != r["attempts"] - 1 or r["earlier"][0]["error"] != "truncated":
        bad.append(f"{path}: history {r['earlier']}")
    if r["bytes"] != int(path.split("/")[2]):
        bad.append(f"{path}: bytes {r['bytes']}")
f = records["resume/etag/30000000/8/f"]
if not all("resuming at byte" in e["message"] for e in f["earlier"]):
    bad.append(f"f: history without the resume offsets: {f['earlier']}")
d = records["resume/badrange/8000000/1/d"]["earlier"]
if d[-1]["error"] != "bad_response" or "does not continue at byte" not in d[-1]["message"]:
    bad.append(f"d: the wrong 206 is not in the history: {d}")
print("\n".join(bad) or "every digest is the whole body's")
sys.exit(1 if bad else 0)
PY
((status == 0)) || fail "exit status $status: $(tail -3 "$SCRATCH/run.err")"
grep -q "/resume/etag/30000000/8/f: HTTP/1.1 206, 30000000 bytes of application/octet-stream, .* 9 attempts, resumed at byte " \
  "$SCRATCH/run.err" || fail "-v does not say where f resumed: $(cat "$SCRATCH/run.err")"

# --max-time is per attempt: a body that takes ~3 s at the server's pace
# completes with -m 1, each attempt adding what it received in its second.
url="$BASE/resume/paced/2000000/0/p"
echo "$url" | "$FETCHSUM" -q --format json -m 1 --retry-delay 0.05 > "$SCRATCH/paced.jsonl" \
  || fail "paced body under -m 1: $(cat "$SCRATCH/paced.jsonl")"
want=$(curl -s "$url?whole=1" | sha512sum | cut -d' ' -f1)
python3 - "$SCRATCH/paced.jsonl" "$want" <<'PY' || fail "paced body"
import json, sys
r = json.load(open(sys.argv[1]))
assert r["digests"]["sha512"] == sys.argv[2], "digest"
assert r["attempts"] >= 3 and r["resumed_bytes"] > 0, (r["attempts"], r["resumed_bytes"])
assert all(e["error"] == "timeout" for e in r["earlier"]), r["earlier"]
print(f"paced body: {r['attempts']} attempts of 1 s, resumed at byte {r['resumed_bytes']}")
PY
# A 206 to a request that asked for the whole body (here because -H adds a
# Range) is part of a body: refused, never a digest of the part.
url="$BASE/resume/etag/100000/0/part"
[[ $(curl -s -o /dev/null -w '%{http_code}' -H 'Range: bytes=5-' "$url") == 206 ]] \
  || fail "the origin does not answer the Range with 206"
status=0
echo "$url" | "$FETCHSUM" -q --format json -H 'Range: bytes=5-' > "$SCRATCH/part.jsonl" || status=$?
((status == 1)) || fail "206 to a whole-body request: exit $status"
grep -q '"error":"bad_response","message":"206 Partial Content' "$SCRATCH/part.jsonl" \
  || fail "206 to a whole-body request: $(cat "$SCRATCH/part.jsonl")"
pass "Range resume: every digest is the whole body's"
