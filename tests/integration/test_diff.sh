#!/bin/bash
# --diff against an earlier JSON run: new, changed, unchanged, gone.
source "$(dirname "$0")/lib.sh"
start_origin main --documents 10
for n in 0 1 2 3 4; do echo "$BASE/doc/$n"; done > "$SCRATCH/first.txt"
"$FETCHSUM" -q --format json "$SCRATCH/first.txt" > "$SCRATCH/old.jsonl"
# Pretend doc/2 had other content then.
python3 - "$SCRATCH/old.jsonl" <<'PY'
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
for r in lines:
    if r["url"].endswith("/doc/2"):
        r["digests"]["sha512"] = "0" * 128
with open(sys.argv[1], "w") as f:
    for r in lines:
        f.write(json.dumps(r, separators=(",", ":")) + "\n")
PY
# This time: doc/0 is gone, doc/5 is new.
for n in 1 2 3 4 5; do echo "$BASE/doc/$n"; done > "$SCRATCH/second.txt"
"$FETCHSUM" --format json --diff "$SCRATCH/old.jsonl" "$SCRATCH/second.txt" \
  > "$SCRATCH/new.jsonl" 2> "$SCRATCH/summary.txt" || fail "diff run failed"
python3 - "$SCRATCH/new.jsonl" "$BASE" <<'PY'
import json, sys
base = sys.argv[2]
marks = {json.loads(l)["url"][len(base):]: json.loads(l).get("mark") for l in open(sys.argv[1])}
want = {"/doc/0": "gone", "/doc/1": "unchanged", "/doc/2": "changed",
        "/doc/3": "unchanged", "/doc/4": "unchanged", "/doc/5": "new"}
print(marks if marks != want else "marks as expected")
sys.exit(0 if marks == want else 1)
PY
grep -q 'diff: 1 new, 1 changed, 3 unchanged, 1 gone' "$SCRATCH/summary.txt" \
  || fail "summary: $(cat "$SCRATCH/summary.txt")"
expect_status 2 "$FETCHSUM" --diff "$SCRATCH/missing.jsonl" "$SCRATCH/second.txt"
pass "--diff marks new, changed, unchanged and gone"
