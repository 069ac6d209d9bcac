#!/bin/bash
# A hasher that crashes (test hook) is replaced, the transfers it held run
# again with correct digests, and the URL that keeps crashing it ends as an
# internal error: exactly one record per URL throughout.
source "$(dirname "$0")/lib.sh"
start_origin main --documents 200
cut -c 131- "$MANIFEST" > "$SCRATCH/docs.txt"
{ head -100 "$SCRATCH/docs.txt"; echo "$BASE/crash"; tail -100 "$SCRATCH/docs.txt"; } > "$SCRATCH/urls.txt"

expect_status 1 "$FETCHSUM" -q -j 32 --per-host 32 --format json \
  --test-crash-marker FETCHSUM-TEST-CRASH "$SCRATCH/urls.txt" > "$SCRATCH/out.jsonl"
python3 - "$SCRATCH/out.jsonl" "$MANIFEST" <<'PY'
import json, sys
records = [json.loads(l) for l in open(sys.argv[1])]
manifest = dict(reversed(l.split()) for l in open(sys.argv[2]))
problems = []
if len(records) != 201 or len({r["seq"] for r in records}) != 201:
    problems.append(f"{len(records)} records, {len({r['seq'] for r in records})} distinct")
for r in records:
    if r["url"].endswith("/crash"):
        if r["error"] != "internal" or r["attempts"] != 3:
            problems.append(f"crash URL: {r['error']} after {r['attempts']} attempts")
    elif not r["ok"] or r["digests"]["sha512"] != manifest[r["url"]]:
        problems.append(f"{r['url']}: {r['error']} {r['message']}")
print("\n".join(problems[:10]) or "supervision as expected")
sys.exit(1 if problems else 0)
PY
pass "crashed hashers are replaced and their transfers rerun"
