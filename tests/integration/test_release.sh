#!/bin/bash
# Verify a release directory in one command: -c with a checksum file by URL
# (relative names resolve against its final URL), --base for a local copy,
# and URL arguments fetched directly, mixed with lists and -i.
source "$(dirname "$0")/lib.sh"
start_origin main --documents 4
R=$BASE/release
names=(a.tar.gz b.iso sub/c.bin with%20space.txt hash%231.txt back%5Cslash.txt)

# verdicts DIR [FAILED-NAME]: the verdict lines -c prints for the release
# directory DIR (names resolved, in file order), FAILED-NAME failing.
verdicts() {
  for name in "${names[@]}"; do
    if [[ $name == "${2:-}" ]]; then echo "$1/$name: FAILED"; else echo "$1/$name: OK"; fi
  done
}

# run WANT OUT ERR ARGS...: fetchsum ARGS with stdout to OUT and stderr to
# ERR; fails unless it exits WANT (lib.sh's expect_status would write its
# complaint into ERR).
run() {
  local want=$1 out=$2 err=$3 got=0
  shift 3
  "$FETCHSUM" "$@" > "$out" 2> "$err" || got=$?
  [[ $got -eq $want ]] || fail "exit status $got, expected $want: fetchsum $*: $(head -c 600 "$err")"
}

# same WANT GOT WHAT: the two files are equal.
same() {
  diff "$1" "$2" > /dev/null || fail "$3: $(diff "$1" "$2" | head -8)"
}

# -- a checksum file by URL: every name resolves, everything OK ---------------
verdicts "$R/v1" > "$SCRATCH/v1.want"
for sums in SHA256SUMS SHA512SUMS; do
  run 0 "$SCRATCH/$sums.out" "$SCRATCH/$sums.err" -c "$R/v1/$sums"
  same "$SCRATCH/v1.want" "$SCRATCH/$sums.out" "-c $sums by URL"
  grep -qF "6 checksum lines: 6 OK, 0 FAILED" "$SCRATCH/$sums.err" || fail "$sums summary: $(cat "$SCRATCH/$sums.err")"
done

# -- one corrupted file: exactly that one FAILED, exit 1 ----------------------
verdicts "$R/bad" b.iso > "$SCRATCH/bad.want"
run 1 "$SCRATCH/bad.out" "$SCRATCH/bad.err" -c "$R/bad/SHA256SUMS"
same "$SCRATCH/bad.want" "$SCRATCH/bad.out" "-c with a corrupted file"
grep -qF "WARNING: 1 computed checksum did NOT match" "$SCRATCH/bad.err" || fail "bad: $(cat "$SCRATCH/bad.err")"

# -- behind a redirect: names resolve against the final URL -------------------
run 0 "$SCRATCH/latest.out" "$SCRATCH/last.err" -c "$R/latest/SHA256SUMS"
same "$SCRATCH/v1.want" "$SCRATCH/latest.out" "-c behind a redirect"
# ... and the records (here the --journal's JSON) carry the resolved URL.
run 0 "$SCRATCH/last.out" "$SCRATCH/last.err" -q -c --journal "$SCRATCH/latest.jsonl" "$R/latest/SHA256SUMS"
grep -qF "\"url\":\"$R/v1/with%20space.txt\"" "$SCRATCH/latest.jsonl" || fail "JSON URL: $(head -4 "$SCRATCH/latest.jsonl")"

# -- a checksum file that cannot be fetched: exit 2, URL and reason named -----
run 2 "$SCRATCH/404.out" "$SCRATCH/404.err" -c "$R/v1/MISSING"
grep -qxF "fetchsum: checksum file $R/v1/MISSING: HTTP 404 Not Found (http_status)" "$SCRATCH/404.err" \
  || fail "404 checksum file: $(cat "$SCRATCH/404.err")"
[[ ! -s $SCRATCH/404.out ]] || fail "404 checksum file printed: $(cat "$SCRATCH/404.out")"
# A local checksum file that is missing gives exit 2 as well.
run 2 "$SCRATCH/last.out" "$SCRATCH/last.err" -c "$SCRATCH/MISSING"
closed=http://127.0.0.1:$(closed_port)/SHA256SUMS
run 2 "$SCRATCH/last.out" "$SCRATCH/closed.err" -c --retries 0 "$closed"
grep -qF "fetchsum: checksum file $closed: " "$SCRATCH/closed.err" && grep -qF "(connect)" "$SCRATCH/closed.err" \
  || fail "closed port: $(cat "$SCRATCH/closed.err")"
# Transient failures are retried (--retries): a 503 first, then the file.
run 1 "$SCRATCH/last.out" "$SCRATCH/flaky.err" -c --retries 2 --retry-delay 0.01 "$BASE/flaky/1/SUMS"
grep -qF "$BASE/flaky/1/SUMS: no properly formatted checksum lines found" "$SCRATCH/flaky.err" \
  || fail "flaky checksum file: $(cat "$SCRATCH/flaky.err")"
# The size cap: --max-size (else 64 MiB) bounds the checksum file too.
run 2 "$SCRATCH/last.out" "$SCRATCH/cap.err" -c --max-size 100 "$R/v1/SHA256SUMS"
grep -qF "fetchsum: checksum file $R/v1/SHA256SUMS: larger than 100 bytes (--max-size) (too_large)" "$SCRATCH/cap.err" \
  || fail "size cap: $(cat "$SCRATCH/cap.err")"
# Redirects stay within http and https, as for any URL.
run 2 "$SCRATCH/last.out" "$SCRATCH/file.err" -c "$BASE/redirect-to?url=file:///etc/passwd"
grep -qF "(unsupported_scheme)" "$SCRATCH/file.err" || fail "redirect to file://: $(cat "$SCRATCH/file.err")"

# -- an HTML page instead of a checksum file ----------------------------------
run 1 "$SCRATCH/last.out" "$SCRATCH/html.err" -c "$R/v1/index.html"
grep -qF "fetchsum: $R/v1/index.html: no properly formatted checksum lines found" "$SCRATCH/html.err" \
  || fail "HTML page: $(cat "$SCRATCH/html.err")"

# -- --base: a local copy resolves as the fetched one -------------------------
curl -sf "$R/v1/SHA256SUMS" > "$SCRATCH/SHA256SUMS"
# An absolute URL among the names stays as it is.
curl -sf "$BASE/doc/0" | sha256sum | sed "s|-\$|$BASE/doc/0|" >> "$SCRATCH/SHA256SUMS"
{ cat "$SCRATCH/v1.want"; echo "$BASE/doc/0: OK"; } > "$SCRATCH/base.want"
for base in "$R/v1/" "$R/v1/SHA256SUMS"; do
  run 0 "$SCRATCH/base.out" "$SCRATCH/last.err" -c --base "$base" "$SCRATCH/SHA256SUMS"
  same "$SCRATCH/base.want" "$SCRATCH/base.out" "--base $base"
done
# Without --base a relative name names no URL: FAILED open or read.
run 1 "$SCRATCH/nobase.out" "$SCRATCH/last.err" -c "$SCRATCH/SHA256SUMS"
grep -qx "a.tar.gz: FAILED open or read" "$SCRATCH/nobase.out" || fail "no --base: $(cat "$SCRATCH/nobase.out")"
run 2 "$SCRATCH/last.out" "$SCRATCH/base-no-c.err" --base "$R/v1/" "$SCRATCH/SHA256SUMS"
grep -qF -- "--base is for checksum files: use it with -c" "$SCRATCH/base-no-c.err" || fail "--base without -c: $(cat "$SCRATCH/base-no-c.err")"
run 2 "$SCRATCH/last.out" "$SCRATCH/base-bad.err" -c --base "ftp://h/" "$SCRATCH/SHA256SUMS"
grep -qF -- "--base ftp://h/: unsupported scheme" "$SCRATCH/base-bad.err" || fail "--base ftp: $(cat "$SCRATCH/base-bad.err")"

# -- several checksum files, URLs and local files, verdicts in argument order -
# (the local copy twice: as an argument and through -i)
{ cat "$SCRATCH/base.want" "$SCRATCH/bad.want" "$SCRATCH/base.want"; } > "$SCRATCH/several.want"
run 1 "$SCRATCH/several.out" "$SCRATCH/several.err" \
  -c --base "$R/v1/" "$SCRATCH/SHA256SUMS" "$R/bad/SHA512SUMS" -i "$SCRATCH/SHA256SUMS"
same "$SCRATCH/several.want" "$SCRATCH/several.out" "-c with several checksum files"
grep -qF "20 checksum lines: 19 OK, 1 FAILED" "$SCRATCH/several.err" || fail "several: $(tail -1 "$SCRATCH/several.err")"

# -- URL arguments: fetched directly, in argument order with lists and -i -----
doc() { sed -n "$(($1 + 1))p" "$MANIFEST"; }
run 0 "$SCRATCH/two.out" "$SCRATCH/last.err" -q -k "$BASE/doc/1" "$BASE/doc/0"
{ doc 1; doc 0; } > "$SCRATCH/two.want"
same "$SCRATCH/two.want" "$SCRATCH/two.out" "two URL arguments"
echo "$BASE/doc/2" > "$SCRATCH/list.txt"
echo "$BASE/doc/3" > "$SCRATCH/http:x"
upper=$(echo "$BASE" | sed 's|^http|HTTP|')/doc/0
run 0 "$SCRATCH/mixed.out" "$SCRATCH/last.err" \
  -q -k "$BASE/doc/1" "$SCRATCH/list.txt" --input-file "$SCRATCH/http:x" "$upper" < /dev/null
{ doc 1; doc 2; doc 3; doc 0 | sed "s|$BASE|${upper%/doc/0}|"; } > "$SCRATCH/mixed.want"
same "$SCRATCH/mixed.want" "$SCRATCH/mixed.out" "URLs, a list and -i in order"
# -i - is standard input; -i names a file even if it starts with http:.
(cd "$SCRATCH" && echo "$BASE/doc/2" | "$FETCHSUM" -q -k -i http:x -i - "$BASE/doc/1") > "$SCRATCH/stdin.out"
{ doc 3; doc 2; doc 1; } > "$SCRATCH/stdin.want"
same "$SCRATCH/stdin.want" "$SCRATCH/stdin.out" "-i http:x -i -"
# The INI file's input-file lists come before the command line's inputs.
printf 'input-file = ["%s"]\n' "$SCRATCH/list.txt" > "$SCRATCH/inputs.ini"
run 0 "$SCRATCH/ini.out" "$SCRATCH/last.err" -q -k --config-file "$SCRATCH/inputs.ini" "$BASE/doc/0"
{ doc 2; doc 0; } > "$SCRATCH/ini.want"
same "$SCRATCH/ini.want" "$SCRATCH/ini.out" "INI input-file"
# Without -i an argument starting with http: is a URL, and a malformed one
# is a bad_url record exactly as the same line of a list would give.
(cd "$SCRATCH" && run 1 "$SCRATCH/badarg.json" "$SCRATCH/last.err" -q --format json http:x 'http://[::1/x')
printf '%s\n' 'http:x' 'http://[::1/x' > "$SCRATCH/badlist.txt"
run 1 "$SCRATCH/badlist.json" "$SCRATCH/last.err" -q --format json "$SCRATCH/badlist.txt"
strip='s/"elapsed_ms":[0-9]*//'
same <(sed "$strip" "$SCRATCH/badlist.json" | sort) <(sed "$strip" "$SCRATCH/badarg.json" | sort) "bad URL argument vs list line"
[[ $(grep -c '"error":"bad_url"' "$SCRATCH/badarg.json") -eq 2 ]] || fail "bad URL arguments: $(cat "$SCRATCH/badarg.json")"
pass "-c by URL resolves a release directory; --base; URL arguments and -i"
