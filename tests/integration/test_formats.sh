#!/bin/bash
# Output formats against coreutils and openssl, ordering, -o.
source "$(dirname "$0")/lib.sh"
start_origin main --documents 30
cut -c 131- "$MANIFEST" > "$SCRATCH/urls.txt"

# Local copies, named like the URLs, so coreutils can print the same lines.
mkdir -p "$SCRATCH/files"
while read -r url; do
  curl -sf "$url" -o "$SCRATCH/files/$(basename "$url")"
done < "$SCRATCH/urls.txt"
# What coreutils prints for the local copy, with the file name replaced by
# the URL in the name's place only.
expected_line() { # ALGO_CMD URL [--tag]
  local cmd=$1 url=$2 name
  name=$(basename "$2")
  shift 2
  (cd "$SCRATCH/files" && $cmd "$@" "$name") \
    | sed -e "s|  $name\$|  $url|" -e "s|^\([A-Z0-9]*\) ($name) = |\1 ($url) = |"
}

"$FETCHSUM" -q --keep-order --format tag "$SCRATCH/urls.txt" > "$SCRATCH/tag.txt"
"$FETCHSUM" -q --keep-order "$SCRATCH/urls.txt" > "$SCRATCH/sum.txt"
i=0
while read -r url; do
  i=$((i + 1))
  [[ $(sed -n "${i}p" "$SCRATCH/sum.txt") == "$(expected_line sha512sum "$url")" ]] \
    || fail "sum line $i differs from sha512sum"
  [[ $(sed -n "${i}p" "$SCRATCH/tag.txt") == "$(expected_line sha512sum "$url" --tag)" ]] \
    || fail "tag line $i differs from sha512sum --tag"
done < "$SCRATCH/urls.txt"
# --keep-order: same order as the input.
cmp -s <(awk '{print $2}' "$SCRATCH/sum.txt") "$SCRATCH/urls.txt" || fail "--keep-order order"

# SRI: base64 of the raw digests.
"$FETCHSUM" -q -a sha384,sha512 --format sri "$SCRATCH/urls.txt" > "$SCRATCH/sri.txt"
url=$(head -1 "$SCRATCH/urls.txt")
f=$SCRATCH/files/$(basename "$url")
want="sha384-$(openssl dgst -sha384 -binary "$f" | base64 -w0) sha512-$(openssl dgst -sha512 -binary "$f" | base64 -w0)  $url"
grep -qxF "$want" "$SCRATCH/sri.txt" || fail "sri line for $url: want $want"

# JSON with several algorithms: each equals its coreutils tool.
"$FETCHSUM" -q -a sha256,md5 --format json "$SCRATCH/urls.txt" > "$SCRATCH/out.jsonl"
python3 - "$SCRATCH/out.jsonl" "$SCRATCH/files" <<'PY'
import hashlib, json, os, sys
n = 0
for line in open(sys.argv[1]):
    r = json.loads(line)
    data = open(os.path.join(sys.argv[2], os.path.basename(r["url"])), "rb").read()
    assert r["ok"] is True and r["error"] is None, r
    assert r["digests"] == {"sha256": hashlib.sha256(data).hexdigest(),
                            "md5": hashlib.md5(data).hexdigest()}, r["url"]
    assert r["bytes"] == len(data) and r["http_status"] == 200, r
    n += 1
assert n == 30, n
PY

# -o: records to the file, nothing on stdout.
"$FETCHSUM" -q -o "$SCRATCH/o.txt" "$SCRATCH/urls.txt" > "$SCRATCH/stdout.txt"
[[ ! -s $SCRATCH/stdout.txt ]] || fail "-o also wrote to stdout"
[[ $(wc -l < "$SCRATCH/o.txt") -eq 30 ]] || fail "-o file lacks records"

# The summary line goes to stderr unless -q.
"$FETCHSUM" "$SCRATCH/urls.txt" > /dev/null 2> "$SCRATCH/summary.txt"
grep -q '^fetchsum: 30 URLs, 30 ok, 0 failed' "$SCRATCH/summary.txt" || fail "summary: $(cat "$SCRATCH/summary.txt")"
# -v: one line of detail per URL on stderr, records unchanged on stdout.
"$FETCHSUM" -q -v "$SCRATCH/urls.txt" > "$SCRATCH/v.out" 2> "$SCRATCH/v.err"
[[ $(grep -c ': HTTP/1.1 200, [0-9]* bytes of application/octet-stream, 127.0.0.1:[0-9]*, [0-9]* ms (dns [0-9.]*, connect [0-9.]*, first byte [0-9.]*, last attempt [0-9.]*), 1 attempt$' "$SCRATCH/v.err") -eq 30 ]] \
  || fail "-v detail: $(head -3 "$SCRATCH/v.err")"
[[ $(wc -l < "$SCRATCH/v.out") -eq 30 ]] || fail "-v changed the records"
pass "formats equal coreutils and openssl"
