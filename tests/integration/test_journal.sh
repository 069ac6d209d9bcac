#!/bin/bash
# --journal: kill -9 a run over 5,000 URLs half way, resume it, and the
# journal holds exactly one record per URL with correct digests.
source "$(dirname "$0")/lib.sh"
start_origin main --documents 5000
# Two URLs, first in the list, fail on the first run and succeed on the second.
{ echo "$BASE/flaky/1/resume-a"; echo "$BASE/flaky/1/resume-b"; cut -c 131- "$MANIFEST"; } \
  > "$SCRATCH/urls.txt"
journal=$SCRATCH/run.jsonl

# --rate keeps the first run slow enough to be killed in the middle.
"$FETCHSUM" -q --retries 0 --rate 2000 --burst 1 -j 16 --per-host 16 \
  --journal "$journal" "$SCRATCH/urls.txt" > /dev/null 2>&1 &
pid=$!
for _ in $(seq 100); do
  (($(wc -l 2>/dev/null < "$journal" || echo 0) >= 2000)) && break
  sleep 0.05
done
kill -9 $pid
wait $pid 2>/dev/null || true
first=$(wc -l < "$journal")
((first >= 2000 && first < 5002)) || fail "first run recorded $first records; not killed half way"

"$FETCHSUM" -q --retries 0 --journal "$journal" "$SCRATCH/urls.txt" > "$SCRATCH/second.txt" 2> "$SCRATCH/second.err" \
  || fail "resumed run failed: $(tail -3 "$SCRATCH/second.err")"
second=$(wc -l < "$SCRATCH/second.txt")
((second < 5002)) || fail "the resumed run fetched everything again ($second records)"

python3 - "$journal" "$MANIFEST" <<'PY'
import json, sys
records = [json.loads(l) for l in open(sys.argv[1])]
manifest = dict(reversed(l.split()) for l in open(sys.argv[2]))
urls = [r["url"] for r in records]
problems = []
if len(records) != 5002 or len(set(urls)) != 5002:
    problems.append(f"{len(records)} records, {len(set(urls))} distinct URLs")
for r in records:
    if not r["ok"]:
        problems.append(f"{r['url']}: {r['error']}")
    elif r["url"] in manifest and r["digests"]["sha512"] != manifest[r["url"]]:
        problems.append(f"{r['url']}: wrong digest")
print("\n".join(problems[:10]) or "journal complete")
sys.exit(1 if problems else 0)
PY
echo "killed after $first records; the resumed run fetched $second"
pass "kill -9 and resume give one correct record per URL"
