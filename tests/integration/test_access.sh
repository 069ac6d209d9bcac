#!/bin/bash
# Credentials, proxies and name pinning (curl's -u, --netrc, --netrc-file,
# -x, --noproxy, --cert/--key, --resolve, --connect-to, -4/-6,
# --limit-rate), and passwords never printed. Everything stays on loopback:
# names that are not in DNS carry a 64-byte label, which glibc refuses
# before building a query, so even a broken --resolve sends no packet.
source "$(dirname "$0")/lib.sh"
# The proxy variables of whoever runs the tests must not interfere.
unset http_proxy https_proxy HTTPS_PROXY ALL_PROXY all_proxy no_proxy NO_PROXY
start_origin main --documents 5
MAIN=$BASE
MAIN_PORT=${MAIN##*:}
MAIN_MANIFEST=$MANIFEST
# Another host: redirect target, and the forward proxy (the origin answers
# requests for absolute URLs itself and counts them: /stats "proxied").
start_origin other --documents 5 --address 127.0.0.2
OTHER=$BASE
LONG=$(printf 'a%.0s' $(seq 64)).test
SECRET=s3cretPW
AUTH=$MAIN/basic-auth/alice/$SECRET

doc1=$(grep -F "$MAIN/doc/1" "$MAIN_MANIFEST" | cut -d' ' -f1)
[[ ${#doc1} -eq 128 ]] || fail "no digest of /doc/1 in the manifest"
# stat ORIGIN NAME: a counter of that origin's /stats (its own request counts).
stat() {
  curl -s --noproxy '*' "$1/stats" | awk -v k="$2" '$1 == k {print $2}'
}
# digest_of FILE: the first digest of a sum-format output.
digest_of() {
  cut -d' ' -f1 "$1" | head -1
}

# -- 1. Basic auth: 401 without, 200 with -u, --netrc-file, --netrc --------
echo "$AUTH" > "$SCRATCH/auth.txt"
expect_status 1 "$FETCHSUM" -q --retries 0 --format json "$SCRATCH/auth.txt" > "$SCRATCH/none.jsonl"
grep -q '"http_status":401' "$SCRATCH/none.jsonl" || fail "no 401 without credentials: $(cat "$SCRATCH/none.jsonl")"
expect_status 1 "$FETCHSUM" -q --retries 0 -u alice:wrong "$SCRATCH/auth.txt"
expect_status 0 "$FETCHSUM" -q --retries 0 -u "alice:$SECRET" "$SCRATCH/auth.txt" > "$SCRATCH/u.txt"
printf 'machine 127.0.0.1\n  login alice\n  password %s\n' "$SECRET" > "$SCRATCH/netrc"
expect_status 0 "$FETCHSUM" -q --retries 0 --netrc-file "$SCRATCH/netrc" "$SCRATCH/auth.txt" > "$SCRATCH/nf.txt"
mkdir "$SCRATCH/home"
cp "$SCRATCH/netrc" "$SCRATCH/home/.netrc"
expect_status 0 env HOME="$SCRATCH/home" "$FETCHSUM" -q --retries 0 --netrc "$SCRATCH/auth.txt" > "$SCRATCH/n.txt"
# Without --netrc the file is not read; a missing one is no error.
expect_status 1 env HOME="$SCRATCH/home" "$FETCHSUM" -q --retries 0 "$SCRATCH/auth.txt"
expect_status 1 env HOME="$SCRATCH/nowhere" "$FETCHSUM" -q --retries 0 --netrc "$SCRATCH/auth.txt"
want=$(printf 'welcome alice\n' | sha512sum | cut -d' ' -f1)
for out in u nf n; do
  [[ $(digest_of "$SCRATCH/$out.txt") == "$want" ]] || fail "$out: not the welcome page"
done
# Credentials in the URL work as in curl; -u wins over them.
echo "http://alice:$SECRET@127.0.0.1:$MAIN_PORT/basic-auth/alice/$SECRET" \
  | expect_status 0 "$FETCHSUM" -q --retries 0 > /dev/null
echo "http://alice:wrong@127.0.0.1:$MAIN_PORT/basic-auth/alice/$SECRET" \
  | expect_status 0 "$FETCHSUM" -q --retries 0 -u "alice:$SECRET" > /dev/null
# -u goes to the host of the URL only: not to another host after a redirect,
# but to the same origin after one.
cat > "$SCRATCH/redirects.txt" <<URLS
$MAIN/redirect-to?url=$OTHER/basic-auth/alice/$SECRET
$MAIN/redirect-to?url=$AUTH
URLS
expect_status 1 "$FETCHSUM" -q --retries 0 --format json -k -u "alice:$SECRET" \
  "$SCRATCH/redirects.txt" > "$SCRATCH/redirects.jsonl"
sed -n 1p "$SCRATCH/redirects.jsonl" | grep -q '"http_status":401' \
  || fail "-u crossed to another host: $(sed -n 1p "$SCRATCH/redirects.jsonl")"
sed -n 2p "$SCRATCH/redirects.jsonl" | grep -q '"ok":true' \
  || fail "-u not sent after a redirect within the origin: $(sed -n 2p "$SCRATCH/redirects.jsonl")"

# -- 2. No password in any output -----------------------------------------
# URLs with a password (OK, redirected, refused by the server, malformed,
# and one redirected to a URL with another password); -u's password; a
# proxy's. Every output fetchsum has: records in each format, -v, the
# progress line, error lines, the journal. (The password of the redirect
# target is in that URL's query, percent-encoded: only its decoded form may
# not appear.)
LEAK=LEAKPW
cat > "$SCRATCH/secret.txt" <<URLS
http://alice:$LEAK@127.0.0.1:$MAIN_PORT/doc/1
http://alice:$LEAK@127.0.0.1:$MAIN_PORT/redirect/2
http://alice:$LEAK@127.0.0.1:$MAIN_PORT/status/403
http://alice:$LEAK@127.0.0.1:$MAIN_PORT/a b
$MAIN/redirect-to?url=http%3A%2F%2Fbob%3AHUNTER2PW%40127.0.0.1%3A$MAIN_PORT%2Fdoc%2F2
URLS
for format in sum tag sri json; do
  expect_status 1 "$FETCHSUM" --retries 0 -v --progress always --format "$format" \
    -u "carol:USERPW" --journal "$SCRATCH/journal-$format.jsonl" "$SCRATCH/secret.txt" \
    > "$SCRATCH/out-$format.txt" 2> "$SCRATCH/err-$format.txt"
done
expect_status 1 "$FETCHSUM" --retries 0 -v --progress always -x "http://pu:PROXYPW@127.0.0.2:${OTHER##*:}" \
  "$SCRATCH/secret.txt" > "$SCRATCH/out-proxy.txt" 2> "$SCRATCH/err-proxy.txt"
for pw in "$LEAK" bob:HUNTER2PW USERPW PROXYPW; do
  if grep -l -- "$pw" "$SCRATCH"/out-*.txt "$SCRATCH"/err-*.txt "$SCRATCH"/journal-*.jsonl; then
    fail "password $pw printed"
  fi
done
# ... but the URLs are there, masked, and otherwise as given.
grep -qF "  http://alice:***@127.0.0.1:$MAIN_PORT/doc/1" "$SCRATCH/out-sum.txt" \
  || fail "masked URL missing from the sum output: $(cat "$SCRATCH/out-sum.txt")"
grep -qF "fetchsum: http://alice:***@127.0.0.1:$MAIN_PORT/status/403: HTTP 403" "$SCRATCH/err-sum.txt" \
  || fail "masked URL missing from the error line"
grep -qF "now http://bob:***@127.0.0.1:$MAIN_PORT/doc/2" "$SCRATCH/err-sum.txt" \
  || fail "-v does not show the masked final URL: $(cat "$SCRATCH/err-sum.txt")"
python3 - "$SCRATCH/out-json.txt" "$MAIN_PORT" <<'PY' || fail "JSON records"
import json, sys
port = sys.argv[2]
records = {r["seq"]: r for r in map(json.loads, open(sys.argv[1]))}
assert len(records) == 5, len(records)
assert records[0]["url"] == f"http://alice:***@127.0.0.1:{port}/doc/1", records[0]
assert records[0]["ok"] and records[0]["final_url"] == records[0]["url"], records[0]
# libcurl 7.88 writes -u's user (here carol) into the URL it followed.
assert records[1]["final_url"] == f"http://carol:***@127.0.0.1:{port}/doc/0", records[1]
assert records[3]["error"] == "bad_url" and records[3]["url"] == f"http://alice:***@127.0.0.1:{port}/a b", records[3]
assert records[4]["final_url"] == f"http://bob:***@127.0.0.1:{port}/doc/2", records[4]
PY

# -- 3. The masked URL is the key of --journal and --diff -------------------
echo "http://alice:$SECRET@127.0.0.1:$MAIN_PORT/basic-auth/alice/$SECRET" > "$SCRATCH/one.txt"
"$FETCHSUM" --retries 0 --journal "$SCRATCH/resume.jsonl" "$SCRATCH/one.txt" > /dev/null 2>&1 \
  || fail "journal run failed"
before=$(stat "$MAIN" requests)
"$FETCHSUM" --retries 0 --journal "$SCRATCH/resume.jsonl" "$SCRATCH/one.txt" > "$SCRATCH/again.txt" \
  2> "$SCRATCH/again.err" || fail "journal rerun failed"
[[ $(stat "$MAIN" requests) -eq $((before + 1)) ]] \
  || fail "a journaled URL with a password was fetched again: $(cat "$SCRATCH/again.err")"
grep -q "1 from the journal" "$SCRATCH/again.err" \
  || fail "rerun does not say it re-emitted: $(cat "$SCRATCH/again.err")"
# The key does not depend on the password: another one finds the record too.
echo "http://alice:changed@127.0.0.1:$MAIN_PORT/basic-auth/alice/$SECRET" \
  | "$FETCHSUM" --retries 0 --journal "$SCRATCH/resume.jsonl" > /dev/null 2> "$SCRATCH/again.err" \
  || fail "journal rerun with another password failed"
grep -q "1 from the journal" "$SCRATCH/again.err" \
  || fail "another password made another journal key: $(cat "$SCRATCH/again.err")"
"$FETCHSUM" -q --retries 0 --format json -o "$SCRATCH/old.jsonl" "$SCRATCH/one.txt" || fail "json run"
"$FETCHSUM" -q --retries 0 --format json --diff "$SCRATCH/old.jsonl" "$SCRATCH/one.txt" > "$SCRATCH/diff.jsonl" \
  || fail "diff run"
grep -q '"mark":"unchanged"' "$SCRATCH/diff.jsonl" || fail "--diff did not match the masked URL: $(cat "$SCRATCH/diff.jsonl")"

# -- 4. A forward proxy: -x, --noproxy, the environment ---------------------
PROXY=$OTHER
echo "$MAIN/doc/1" > "$SCRATCH/doc1.txt"
proxied=$(stat "$PROXY" proxied)
main_requests=$(stat "$MAIN" requests)
"$FETCHSUM" -q --retries 0 -x "$PROXY" "$SCRATCH/doc1.txt" > "$SCRATCH/proxied.txt" || fail "-x failed"
[[ $(digest_of "$SCRATCH/proxied.txt") == "$doc1" ]] || fail "-x: wrong digest"
[[ $(stat "$PROXY" proxied) -eq $((proxied + 1)) ]] || fail "-x did not go through the proxy"
[[ $(stat "$MAIN" requests) -eq $((main_requests + 1)) ]] || fail "-x went to the origin directly"
# A name no DNS knows: only the proxy needs to reach it.
echo "http://$LONG:$MAIN_PORT/doc/1" | "$FETCHSUM" -q --retries 0 -x "http://127.0.0.2:${PROXY##*:}" \
  > "$SCRATCH/proxied-name.txt" || fail "-x with an unresolvable name"
[[ $(stat "$PROXY" proxied) -eq $((proxied + 2)) ]] || fail "the unresolvable name did not go through the proxy"
# --noproxy: straight to the origin.
main_requests=$(stat "$MAIN" requests)
"$FETCHSUM" -q --retries 0 -x "$PROXY" --noproxy 127.0.0.1 "$SCRATCH/doc1.txt" > /dev/null || fail "--noproxy"
[[ $(stat "$PROXY" proxied) -eq $((proxied + 2)) ]] || fail "--noproxy host went through the proxy"
[[ $(stat "$MAIN" requests) -eq $((main_requests + 2)) ]] || fail "--noproxy host not fetched directly"
# The variables libcurl reads: http_proxy (lower case only), ALL_PROXY,
# no_proxy; --noproxy '*' ignores them all.
expect_status 0 env http_proxy="$PROXY" "$FETCHSUM" -q --retries 0 "$SCRATCH/doc1.txt" > /dev/null
[[ $(stat "$PROXY" proxied) -eq $((proxied + 3)) ]] || fail "http_proxy not used"
expect_status 0 env ALL_PROXY="$PROXY" "$FETCHSUM" -q --retries 0 "$SCRATCH/doc1.txt" > /dev/null
[[ $(stat "$PROXY" proxied) -eq $((proxied + 4)) ]] || fail "ALL_PROXY not used"
expect_status 0 env HTTP_PROXY="$PROXY" "$FETCHSUM" -q --retries 0 "$SCRATCH/doc1.txt" > /dev/null
expect_status 0 env http_proxy="$PROXY" no_proxy=127.0.0.1 "$FETCHSUM" -q --retries 0 "$SCRATCH/doc1.txt" > /dev/null
expect_status 0 env http_proxy="$PROXY" "$FETCHSUM" -q --retries 0 --noproxy '*' "$SCRATCH/doc1.txt" > /dev/null
[[ $(stat "$PROXY" proxied) -eq $((proxied + 4)) ]] || fail "HTTP_PROXY, no_proxy or --noproxy '*' not honoured"

# -- 5. Name pinning: --resolve, --connect-to, -4/-6 ------------------------
echo "http://$LONG:$MAIN_PORT/doc/1" > "$SCRATCH/long.txt"
expect_status 1 "$FETCHSUM" -q --retries 0 --format json "$SCRATCH/long.txt" > "$SCRATCH/dns.jsonl"
grep -q '"error":"dns"' "$SCRATCH/dns.jsonl" || fail "the long name resolved without --resolve"
"$FETCHSUM" -q --retries 0 --resolve "$LONG:$MAIN_PORT:127.0.0.1" "$SCRATCH/long.txt" \
  > "$SCRATCH/resolved.txt" || fail "--resolve"
[[ $(digest_of "$SCRATCH/resolved.txt") == "$doc1" ]] || fail "--resolve: wrong digest"
# Pinned for another port: not used.
expect_status 1 "$FETCHSUM" -q --retries 0 --resolve "$LONG:1:127.0.0.1" "$SCRATCH/long.txt"
echo "http://$LONG/doc/1" | "$FETCHSUM" -q --retries 0 \
  --connect-to "$LONG:80:127.0.0.1:$MAIN_PORT" > "$SCRATCH/connect-to.txt" || fail "--connect-to"
[[ $(digest_of "$SCRATCH/connect-to.txt") == "$doc1" ]] || fail "--connect-to: wrong digest"
# The origin listens on 127.0.0.1 only: with both addresses pinned, -6 can
# only fail to connect, -4 succeeds; an address of the other family alone is
# none at all for -4 / -6 (then a DNS lookup glibc refuses).
both="$LONG:$MAIN_PORT:::1,127.0.0.1"
"$FETCHSUM" -q --retries 0 -4 --resolve "$both" "$SCRATCH/long.txt" > /dev/null || fail "-4"
expect_status 1 "$FETCHSUM" -q --retries 0 --format json -6 --resolve "$both" "$SCRATCH/long.txt" > "$SCRATCH/v6.jsonl"
grep -q '"error":"connect"' "$SCRATCH/v6.jsonl" || fail "-6 did not try ::1: $(cat "$SCRATCH/v6.jsonl")"
expect_status 1 "$FETCHSUM" -q --retries 0 --format json -4 --resolve "$LONG:$MAIN_PORT:::1" "$SCRATCH/long.txt" > "$SCRATCH/v4.jsonl"
grep -q '"error":"dns"' "$SCRATCH/v4.jsonl" || fail "-4 used an IPv6 address: $(cat "$SCRATCH/v4.jsonl")"

# -- 6. --limit-rate --------------------------------------------------------
# 1 MiB at 512 KiB/s: about 2 s (unlimited: some ms on loopback).
echo "$MAIN/big/1" > "$SCRATCH/big.txt"
start=$(now_ms)
"$FETCHSUM" -q --retries 0 --limit-rate 512K "$SCRATCH/big.txt" > /dev/null || fail "--limit-rate"
took=$(($(now_ms) - start))
echo "1 MiB at --limit-rate 512K: $took ms"
((took >= 1500)) || fail "--limit-rate 512K fetched 1 MiB in $took ms"
((took <= 20000)) || fail "--limit-rate 512K took $took ms"

# -- 7. A client certificate ------------------------------------------------
key() { openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes "$@" 2> /dev/null; }
key -x509 -keyout "$SCRATCH/ca.key" -out "$SCRATCH/ca.pem" -days 2 -subj /CN=fetchsum-test-ca
for name in srv client; do
  key -keyout "$SCRATCH/$name.key" -out "$SCRATCH/$name.csr" -subj "/CN=$name"
done
printf 'subjectAltName=IP:127.0.0.1\n' > "$SCRATCH/srv.ext"
openssl x509 -req -in "$SCRATCH/srv.csr" -CA "$SCRATCH/ca.pem" -CAkey "$SCRATCH/ca.key" \
  -CAcreateserial -out "$SCRATCH/srv.pem" -days 2 -extfile "$SCRATCH/srv.ext" 2> /dev/null
openssl x509 -req -in "$SCRATCH/client.csr" -CA "$SCRATCH/ca.pem" -CAkey "$SCRATCH/ca.key" \
  -CAcreateserial -out "$SCRATCH/client.pem" -days 2 2> /dev/null
cat "$SCRATCH/client.pem" "$SCRATCH/client.key" > "$SCRATCH/client-both.pem"
mkdir "$SCRATCH/www"
echo "for certificate holders" > "$SCRATCH/www/hello.txt"
tls_port=$(closed_port)
(cd "$SCRATCH/www" && exec openssl s_server -accept "127.0.0.1:$tls_port" -cert "$SCRATCH/srv.pem" \
  -key "$SCRATCH/srv.key" -CAfile "$SCRATCH/ca.pem" -Verify 1 -WWW -quiet > /dev/null 2>&1) &
ORIGIN_PIDS+=($!)
for _ in $(seq 100); do
  (exec 3<> "/dev/tcp/127.0.0.1/$tls_port") 2> /dev/null && break
  sleep 0.05
done
echo "https://127.0.0.1:$tls_port/hello.txt" > "$SCRATCH/tls.txt"
want=$(sha512sum < "$SCRATCH/www/hello.txt" | cut -d' ' -f1)
expect_status 1 "$FETCHSUM" -q --retries 0 --format json --cacert "$SCRATCH/ca.pem" "$SCRATCH/tls.txt" > "$SCRATCH/nocert.jsonl"
grep -q '"error":"tls"' "$SCRATCH/nocert.jsonl" || fail "no tls error without --cert: $(cat "$SCRATCH/nocert.jsonl")"
"$FETCHSUM" -q --retries 0 --cacert "$SCRATCH/ca.pem" --cert "$SCRATCH/client.pem" \
  --key "$SCRATCH/client.key" "$SCRATCH/tls.txt" > "$SCRATCH/cert.txt" || fail "--cert --key"
[[ $(digest_of "$SCRATCH/cert.txt") == "$want" ]] || fail "--cert: wrong digest"
"$FETCHSUM" -q --retries 0 --cacert "$SCRATCH/ca.pem" --cert "$SCRATCH/client-both.pem" \
  "$SCRATCH/tls.txt" > "$SCRATCH/cert-both.txt" || fail "--cert with the key in the same file"

# -- 8. Bad values: one line, exit 2, nothing fetched; -u never echoed -------
requests=$(stat "$MAIN" requests)
bad() {
  local why=$1
  shift
  expect_status 2 "$FETCHSUM" -q "$@" "$SCRATCH/doc1.txt" > /dev/null 2> "$SCRATCH/bad.err"
  grep -q -- "$why" "$SCRATCH/bad.err" || fail "$*: $(cat "$SCRATCH/bad.err")"
  [[ $(wc -l < "$SCRATCH/bad.err") -eq 1 ]] || fail "$*: more than one line"
}
bad "needs USER:PASSWORD" -u "NOCOLONSECRET"
grep -q NOCOLONSECRET "$SCRATCH/bad.err" && fail "-u value echoed"
bad "unsupported scheme" -x "ftp://u:FTPSECRET@127.0.0.1"
grep -q FTPSECRET "$SCRATCH/bad.err" && fail "proxy password echoed"
bad "not a numeric" --resolve "$LONG:80:localhost"
bad "port" --resolve "$LONG:0:127.0.0.1"
bad "four fields" --connect-to "a:80:b"
bad "exclude each other" -4 -6
bad "limit-rate" --limit-rate 1.5M
bad "limit-rate" --limit-rate 10T
bad "needs --cert" --key "$SCRATCH/client.key"
bad "netrc-file" --netrc-file "$SCRATCH/missing"
bad "cert" --cert "$SCRATCH/missing.pem"
[[ $(stat "$MAIN" requests) -eq $((requests + 1)) ]] || fail "a refused run fetched something"

# -- 9. The INI file: keys, and --help shows no password ---------------------
cat > "$SCRATCH/access.ini" <<INI
user = "alice:$SECRET"
proxy = "http://pu:PROXYPW@127.0.0.2:${PROXY##*:}"
noproxy = "127.0.0.1,.test"
resolve = ["$LONG:$MAIN_PORT:127.0.0.1"]
limit-rate = "10M"
INI
"$FETCHSUM" --config-file "$SCRATCH/access.ini" -q --retries 0 "$SCRATCH/auth.txt" > /dev/null \
  || fail "user from the INI file"
"$FETCHSUM" --config-file "$SCRATCH/access.ini" -q --retries 0 "$SCRATCH/long.txt" > /dev/null \
  || fail "resolve from the INI file"
"$FETCHSUM" --config-file "$SCRATCH/access.ini" --help > "$SCRATCH/help.txt" || fail "--help"
grep -qE "$SECRET|PROXYPW" "$SCRATCH/help.txt" && fail "--help shows a password from the INI file"
# CAF's --dump-config would print the configuration as read: refused.
status=0
"$FETCHSUM" --config-file "$SCRATCH/access.ini" --dump-config > "$SCRATCH/dump.txt" 2>&1 || status=$?
((status == 2)) || fail "--dump-config: exit $status"
grep -qE "$SECRET|PROXYPW" "$SCRATCH/dump.txt" && fail "--dump-config printed a password"
# -c with a checksum file URL that holds a password: its name in the error
# of a failed fetch, and in --warn lines and verdicts, is masked.
AUTHED=${MAIN/http:\/\//http://u:$SECRET@}
status=0
"$FETCHSUM" -c "$AUTHED/status/404" > "$SCRATCH/c404.out" 2> "$SCRATCH/c404.err" || status=$?
((status == 2)) || fail "-c URL 404: exit $status"
grep -q "u:\*\*\*@" "$SCRATCH/c404.err" || fail "-c URL 404: $(cat "$SCRATCH/c404.err")"
grep -q "$SECRET" "$SCRATCH/c404.out" "$SCRATCH/c404.err" && fail "-c URL printed a password"
"$FETCHSUM" -c --warn "$AUTHED/doc/1" > "$SCRATCH/cwarn.out" 2> "$SCRATCH/cwarn.err" || true
grep -q "$SECRET" "$SCRATCH/cwarn.out" "$SCRATCH/cwarn.err" && fail "-c --warn printed a password: $(cat "$SCRATCH/cwarn.err")"
grep -q "u:\*\*\*@" "$SCRATCH/cwarn.err" || fail "-c --warn: $(cat "$SCRATCH/cwarn.err")"
pass "credentials, proxies, name pinning and rate limits work, and no password is printed"
