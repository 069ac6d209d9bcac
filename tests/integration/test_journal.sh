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

"$FETCHSUM" --retries 0 --journal "$journal" "$SCRATCH/urls.txt" > "$SCRATCH/second.txt" 2> "$SCRATCH/second.err" \
  || fail "resumed run failed: $(tail -3 "$SCRATCH/second.err")"
# The resumed run's output is exact: one record per URL, the journaled ones
# re-emitted, equal to an uninterrupted run's up to order.
"$FETCHSUM" -q --retries 0 "$SCRATCH/urls.txt" > "$SCRATCH/uninterrupted.txt" 2>/dev/null
diff <(sort "$SCRATCH/second.txt") <(sort "$SCRATCH/uninterrupted.txt") > /dev/null \
  || fail "the resumed run's output differs from an uninterrupted run's"
[[ $(wc -l < "$SCRATCH/second.txt") -eq 5002 ]] || fail "resumed output has $(wc -l < "$SCRATCH/second.txt") records"
from_journal=$(sed -n 's/.* \([0-9]*\) from the journal.*/\1/p' "$SCRATCH/second.err")
second=$((5002 - from_journal))
((from_journal >= first - 2 && second > 0)) || fail "the resumed run took $from_journal records from the journal of $first"

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
# Resuming with another --algo fetches again what lacks the new digest: all.
"$FETCHSUM" --algo sha256 --journal "$journal" -o "$SCRATCH/sha256.txt" "$SCRATCH/urls.txt" 2> "$SCRATCH/third.err" \
  || fail "resume with --algo sha256 failed: $(tail -3 "$SCRATCH/third.err")"
[[ $(wc -l < "$SCRATCH/sha256.txt") -eq 5002 ]] || fail "--algo sha256 resume wrote $(wc -l < "$SCRATCH/sha256.txt") records"
grep -q "from the journal" "$SCRATCH/third.err" && fail "--algo sha256 resume took sha512 records from the journal"
head -1 "$SCRATCH/sha256.txt" | grep -qE '^[0-9a-f]{64}  ' || fail "--algo sha256 resume printed no sha256 line"

# A journal path that is not a regular file is refused before anything runs;
# a file that is no journal (the URL list itself, say) is never rewritten.
ln -s /dev/zero "$SCRATCH/zero-journal"
expect_status 2 timeout 10 "$FETCHSUM" -q --journal "$SCRATCH/zero-journal" "$SCRATCH/urls.txt"
cp "$SCRATCH/urls.txt" "$SCRATCH/urls.copy"
expect_status 2 "$FETCHSUM" -q --journal "$SCRATCH/urls.txt" "$SCRATCH/urls.copy"
cmp -s "$SCRATCH/urls.txt" "$SCRATCH/urls.copy" || fail "a URL list given as --journal was rewritten"

echo "killed after $first records; the resumed run fetched $second"
pass "kill -9 and resume give one correct record per URL"
