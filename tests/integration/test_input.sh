#!/bin/bash
# Input handling and exit codes.
source "$(dirname "$0")/lib.sh"
start_origin main --documents 5

printf '# comment\r\n\r\n  %s/doc/0  \r\n\t%s/doc/1\n%s/doc/2' "$BASE" "$BASE" "$BASE" > "$SCRATCH/list.txt"
"$FETCHSUM" -q "$SCRATCH/list.txt" > "$SCRATCH/out.txt"
[[ $(wc -l < "$SCRATCH/out.txt") -eq 3 ]] || fail "comments/CRLF/last line: $(cat "$SCRATCH/out.txt")"
for n in 0 1 2; do grep -q "  $BASE/doc/$n\$" "$SCRATCH/out.txt" || fail "doc/$n missing"; done

# Standard input, as '-' and as no argument, also mixed with a file.
"$FETCHSUM" -q - < "$SCRATCH/list.txt" > "$SCRATCH/dash.txt"
cmp -s <(sort "$SCRATCH/out.txt") <(sort "$SCRATCH/dash.txt") || fail "'-' differs"
"$FETCHSUM" -q < "$SCRATCH/list.txt" > "$SCRATCH/none.txt"
cmp -s <(sort "$SCRATCH/out.txt") <(sort "$SCRATCH/none.txt") || fail "stdin differs"
echo "$BASE/doc/3" | "$FETCHSUM" -q "$SCRATCH/list.txt" - > "$SCRATCH/both.txt"
[[ $(wc -l < "$SCRATCH/both.txt") -eq 4 ]] || fail "file then stdin"

# An empty list: nothing to do, success.
: > "$SCRATCH/empty.txt"
expect_status 0 "$FETCHSUM" -q "$SCRATCH/empty.txt" > "$SCRATCH/empty.out"
[[ ! -s $SCRATCH/empty.out ]] || fail "output for an empty list"

# Usage and input errors: exit 2, one line on stderr, nothing on stdout.
usage_error() {
  local out=$SCRATCH/usage.out err=$SCRATCH/usage.err
  expect_status 2 "$FETCHSUM" "$@" > "$out" 2> "$err" < /dev/null
  [[ ! -s $out ]] || fail "stdout not empty for: $*"
  [[ $(wc -l < "$err") -eq 1 ]] || fail "not one line on stderr for $*: $(cat "$err")"
  grep -q '^fetchsum: ' "$err" || fail "stderr line lacks the program name: $(cat "$err")"
}
usage_error "$SCRATCH/does-not-exist.txt"
usage_error --no-such-option "$SCRATCH/list.txt"
usage_error -j 0 "$SCRATCH/list.txt"
usage_error -j abc "$SCRATCH/list.txt"
usage_error --per-host=0 "$SCRATCH/list.txt"
usage_error -a nosuchalgo "$SCRATCH/list.txt"
usage_error --format xml "$SCRATCH/list.txt"
usage_error --config-file "$SCRATCH/missing.ini" "$SCRATCH/list.txt"
printf 'concurrency = 8\nconcurency = 9\n' > "$SCRATCH/typo.ini"
usage_error --config-file "$SCRATCH/typo.ini" "$SCRATCH/list.txt"
grep -q "concurency" "$SCRATCH/usage.err" || fail "the typo is not named"
printf 'concurrency = "many"\n' > "$SCRATCH/type.ini"
usage_error --config-file "$SCRATCH/type.ini" "$SCRATCH/list.txt"

# A valid config file applies, and the command line wins over it.
printf 'format = "tag"\nalgo = "sha256"\nconnect-timeout = 5\n[scheduler]\nmax-threads = 2\n' > "$SCRATCH/ok.ini"
"$FETCHSUM" -q --config-file "$SCRATCH/ok.ini" "$SCRATCH/list.txt" > "$SCRATCH/ini.out"
grep -q '^SHA256 (' "$SCRATCH/ini.out" || fail "config file not applied: $(head -1 "$SCRATCH/ini.out")"
"$FETCHSUM" -q --config-file "$SCRATCH/ok.ini" --format sum "$SCRATCH/list.txt" > "$SCRATCH/ini2.out"
grep -qE '^[0-9a-f]{64}  ' "$SCRATCH/ini2.out" || fail "command line does not win over the file"

# Flags as curl users type them.
"$FETCHSUM" -q -j 4 --per-host 2 --format=sum -a sha256 "$SCRATCH/list.txt" > "$SCRATCH/flags.out"
[[ $(wc -l < "$SCRATCH/flags.out") -eq 3 ]] || fail "-j 4 --per-host 2 forms"
"$FETCHSUM" "$SCRATCH/list.txt" -qj4 > "$SCRATCH/after.out"
[[ $(wc -l < "$SCRATCH/after.out") -eq 3 ]] || fail "options after the list, bundled -qj4"

# --help and --version: stdout, exit 0.
"$FETCHSUM" --help > "$SCRATCH/help.txt"
grep -q -- '--concurrency' "$SCRATCH/help.txt" || fail "--help lacks --concurrency"
grep -q '^Usage: fetchsum' "$SCRATCH/help.txt" || fail "--help lacks usage"
"$FETCHSUM" --version | grep -q '^fetchsum ' || fail "--version"

# Some failed: exit 1.
echo "$BASE/status/404" >> "$SCRATCH/list.txt"
expect_status 1 "$FETCHSUM" -q "$SCRATCH/list.txt" > /dev/null 2>&1
pass "input handling and exit codes"
