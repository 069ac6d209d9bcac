#!/bin/bash
# Hostile servers and weakening redirects: broken HTTP, decoded transfer
# codings, client-certificate demands, dropped SYNs, too few file
# descriptors, https -> http redirects, credentials on redirects, Retry-After
# dates far away. Exactly one record per URL, of a kind that says what
# happened; permanent kinds are never retried.
source "$(dirname "$0")/lib.sh"
start_origin main --documents 5 --raw-port-file "$SCRATCH/raw.port"
MAIN=$BASE
RAW=http://127.0.0.1:$(cat "$SCRATCH/raw.port")
# Another host (the second loopback address) for redirects across hosts.
start_origin other --documents 5 --address 127.0.0.2
OTHER=$BASE
# The same host on another port: for credentials, another origin too.
start_origin third --documents 5
THIRD=$BASE

# check_records CASES OUT: CASES has "URL<TAB>KIND[<TAB>ATTEMPTS]" lines (KIND
# "null" for success); OUT must hold exactly one JSON record per case, in
# any order, each of that kind (and with that many attempts if given).
check_records() {
  python3 - "$1" "$2" <<'PY'
import json, sys
cases = [line.rstrip("\n").split("\t") for line in open(sys.argv[1])]
records = [json.loads(line) for line in open(sys.argv[2])]
problems = []
if len(records) != len(cases):
    problems.append(f"{len(records)} records for {len(cases)} URLs")
if sorted(r["seq"] for r in records) != list(range(len(cases))):
    problems.append("seq values are not exactly 0..n-1")
by_seq = {r["seq"]: r for r in records}
for seq, case in enumerate(cases):
    url, kind = case[0], case[1]
    r = by_seq.get(seq)
    if r is None:
        continue
    want = None if kind == "null" else kind
    if r["url"] != url:
        problems.append(f"seq {seq}: url {r['url']!r}, expected {url!r}")
    if r["error"] != want:
        problems.append(f"{url}: error {r['error']!r} ({r['message']}), expected {want!r}")
    if want is not None and (r["digests"] or r["bytes"] != 0):
        problems.append(f"{url}: a failed record carries digests or bytes: {r['bytes']}")
    if len(case) > 2 and r["attempts"] != int(case[2]):
        problems.append(f"{url}: {r['attempts']} attempts, expected {case[2]}")
print("\n".join(problems) or f"{len(cases)} records as expected")
sys.exit(1 if problems else 0)
PY
}

# -- TLS material: a CA of our own and a certificate for 127.0.0.1 ---------
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$SCRATCH/ca.key" -out "$SCRATCH/ca.pem" \
  -days 2 -subj /CN=fetchsum-test-ca 2> /dev/null
openssl req -newkey rsa:2048 -nodes -keyout "$SCRATCH/srv.key" -out "$SCRATCH/srv.csr" \
  -subj /CN=127.0.0.1 2> /dev/null
printf 'subjectAltName=IP:127.0.0.1\n' > "$SCRATCH/srv.ext"
openssl x509 -req -in "$SCRATCH/srv.csr" -CA "$SCRATCH/ca.pem" -CAkey "$SCRATCH/ca.key" \
  -CAcreateserial -out "$SCRATCH/srv.pem" -days 2 -extfile "$SCRATCH/srv.ext" 2> /dev/null

# wait_port PORT: until something accepts on 127.0.0.1:PORT.
wait_port() {
  for _ in $(seq 100); do
    (exec 3<> "/dev/tcp/127.0.0.1/$1") 2> /dev/null && return 0
    sleep 0.05
  done
  fail "nothing listens on port $1"
}

# A TLS server demanding a client certificate (TLS 1.3: it says so with an
# alert after the handshake, which libcurl reports as a read error).
cert_port=$(closed_port)
openssl s_server -accept "127.0.0.1:$cert_port" -cert "$SCRATCH/srv.pem" -key "$SCRATCH/srv.key" \
  -CAfile "$SCRATCH/ca.pem" -Verify 1 -WWW -quiet > /dev/null 2>&1 &
ORIGIN_PIDS+=($!)
wait_port "$cert_port"

# An https server whose /to/URL answers 302 to URL (the downgrade case).
cat > "$SCRATCH/https_redirect.py" <<'PY'
import http.server, ssl, sys
class Redirect(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path.startswith("/to/"):
            self.send_response(302)
            self.send_header("Location", self.path[4:])
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Length", "3")
        self.end_headers()
        self.wfile.write(b"ok\n")
    def log_message(self, *args):
        pass
server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Redirect)
context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
context.load_cert_chain(sys.argv[2], sys.argv[3])
server.socket = context.wrap_socket(server.socket, server_side=True)
with open(sys.argv[1] + ".tmp", "w") as f:
    f.write(str(server.server_address[1]))
import os; os.rename(sys.argv[1] + ".tmp", sys.argv[1])
server.serve_forever()
PY
python3 "$SCRATCH/https_redirect.py" "$SCRATCH/https.port" "$SCRATCH/srv.pem" "$SCRATCH/srv.key" &
ORIGIN_PIDS+=($!)
for _ in $(seq 100); do [[ -s $SCRATCH/https.port ]] && break; sleep 0.05; done
[[ -s $SCRATCH/https.port ]] || fail "https redirect server did not start"
HTTPS=https://127.0.0.1:$(cat "$SCRATCH/https.port")

# -- 1. Permanent kinds, with the default retries: one attempt each --------
cat > "$SCRATCH/permanent.tsv" <<CASES
$RAW/garbage-status	bad_response	1
$RAW/http09	bad_response	1
$RAW/bad-version	bad_response	1
$RAW/nul-header	bad_response	1
$RAW/negative-length	bad_response	1
$RAW/bad-length	bad_response	1
$RAW/conflicting-length	bad_response	1
$RAW/same-length-twice	null	1
$RAW/bad-chunked	bad_response	1
$RAW/huge-headers	bad_response	1
$RAW/huge-header-line	bad_response	1
$RAW/gzip-te	unsupported_encoding	1
https://127.0.0.1:$cert_port/index.html	tls	1
$HTTPS/to/$MAIN/doc/1	downgrade	1
$HTTPS/to/$HTTPS/ok	null	1
$HTTPS/to/file:///etc/passwd	unsupported_scheme	1
$MAIN/redirect-to?url=$HTTPS/ok	null	1
CASES
cut -f1 "$SCRATCH/permanent.tsv" > "$SCRATCH/permanent.txt"
expect_status 1 "$FETCHSUM" -q --format json --cacert "$SCRATCH/ca.pem" --retry-delay 0.1 \
  "$SCRATCH/permanent.txt" > "$SCRATCH/permanent.jsonl"
check_records "$SCRATCH/permanent.tsv" "$SCRATCH/permanent.jsonl" || fail "permanent kinds"
# Content-Length twice with the same value is valid: the digest of "hello".
grep -qF "\"sha512\":\"$(printf hello | sha512sum | cut -d' ' -f1)\"" "$SCRATCH/permanent.jsonl" \
  || fail "same-length-twice digest"
# Messages say what happened.
grep -q 'gzip-te.*Transfer-Encoding' "$SCRATCH/permanent.jsonl" || fail "gzip message"
grep -q 'downgrade.*allow-downgrade' "$SCRATCH/permanent.jsonl" || fail "downgrade message"
grep -q 'client certificate' "$SCRATCH/permanent.jsonl" || fail "client certificate message"

# --allow-downgrade follows the same redirect and ends on plain http.
echo "$HTTPS/to/$MAIN/doc/1" | "$FETCHSUM" -q --format json --cacert "$SCRATCH/ca.pem" \
  --allow-downgrade > "$SCRATCH/allowed.jsonl" || fail "--allow-downgrade: $(cat "$SCRATCH/allowed.jsonl")"
grep -qF "\"final_url\":\"$MAIN/doc/1\"" "$SCRATCH/allowed.jsonl" || fail "--allow-downgrade final_url"
grep -qF "$(grep "/doc/1\$" "$SCRATCH/main.manifest" | cut -d' ' -f1)" "$SCRATCH/allowed.jsonl" \
  || fail "--allow-downgrade digest"

# -- 2. A connect timeout is a connect error, not a timeout -----------------
# A listening socket whose backlog is full: further SYNs are dropped, so the
# connection neither succeeds nor is refused.
cat > "$SCRATCH/backlog.py" <<'PY'
import os, socket, sys, time
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(0)
port = s.getsockname()[1]
fillers = []
for _ in range(8):
    c = socket.socket()
    c.setblocking(False)
    try:
        c.connect(("127.0.0.1", port))
    except BlockingIOError:
        pass
    fillers.append(c)
with open(sys.argv[1] + ".tmp", "w") as f:
    f.write(str(port))
os.rename(sys.argv[1] + ".tmp", sys.argv[1])
time.sleep(300)
PY
python3 "$SCRATCH/backlog.py" "$SCRATCH/backlog.port" &
ORIGIN_PIDS+=($!)
for _ in $(seq 100); do [[ -s $SCRATCH/backlog.port ]] && break; sleep 0.05; done
[[ -s $SCRATCH/backlog.port ]] || fail "backlog server did not start"
printf 'http://127.0.0.1:%s/\tconnect\t1\n' "$(cat "$SCRATCH/backlog.port")" > "$SCRATCH/timeout.tsv"
cut -f1 "$SCRATCH/timeout.tsv" | expect_status 1 "$FETCHSUM" -q --format json --retries 0 \
  --connect-timeout 1 > "$SCRATCH/timeout.jsonl"
check_records "$SCRATCH/timeout.tsv" "$SCRATCH/timeout.jsonl" || fail "connect timeout"

# -- 3. Too few file descriptors are named as such --------------------------
# Not under a sanitizer (tests/sanitized.sh): its runtime needs descriptors of
# its own and reports a false "invalid vptr" when it has none.
if [[ -z ${FETCHSUM_SANITIZED:-} ]]; then
for i in $(seq 200); do echo "$MAIN/slow/1000?n=$i"; done > "$SCRATCH/many.txt"
(ulimit -n 64; "$FETCHSUM" -q --format json --retries 0 -j 200 --per-host 200 \
  "$SCRATCH/many.txt" > "$SCRATCH/many.jsonl") || true
python3 - "$SCRATCH/many.jsonl" <<'PY' || fail "file descriptor exhaustion"
import json, sys
records = [json.loads(line) for line in open(sys.argv[1])]
assert len(records) == 200, f"{len(records)} records for 200 URLs"
out_of_fds = [r for r in records if "out of file descriptors" in r["message"]]
assert out_of_fds, "no record says out of file descriptors"
assert all(r["error"] == "connect" and "ulimit -n" in r["message"] for r in out_of_fds)
assert all(r["ok"] or r in out_of_fds for r in records), "other failures"
print(f"{len(out_of_fds)} of 200 out of file descriptors, the rest ok")
PY
else
  echo "skipped under a sanitizer: descriptor exhaustion"
fi

# -- 4. -H Authorization and Cookie stay with the origin they were given for
# libcurl 7.88 enforces this itself (since 7.83 also for another port or
# scheme); this checks it holds with fetchsum's reused easy handles.
# One fetcher, one transfer at a time: the second URL reuses the easy
# handle of the first, which went to the other host directly.
cat > "$SCRATCH/headers.txt" <<URLS
$OTHER/headers
$MAIN/redirect-to?url=$OTHER/headers
$MAIN/redirect-to?url=$MAIN/headers
$MAIN/redirect-to?url=$THIRD/headers
URLS
"$FETCHSUM" -q --format json -j 1 --fetchers 1 -A fetchsum-test \
  -H 'Authorization: Bearer s3cret' -H 'Cookie: session=abc' \
  "$SCRATCH/headers.txt" > "$SCRATCH/headers.jsonl" || fail "header URLs failed"
python3 - "$SCRATCH/headers.jsonl" "$OTHER" "$MAIN" "$THIRD" <<'PY' || fail "credentials crossed hosts"
import hashlib, json, sys
other, main, third = (url[len("http://"):] for url in sys.argv[2:5])
records = {r["seq"]: r for r in map(json.loads, open(sys.argv[1]))}
def echo(host, secrets):
    text = f"Host: {host}\nUser-Agent: fetchsum-test\nAccept: */*\n"
    if secrets:
        text += "Authorization: Bearer s3cret\nCookie: session=abc\n"
    return hashlib.sha512(text.encode()).hexdigest()
expected = {0: echo(other, True),   # given for that host
            1: echo(other, False),  # redirected there from another host
            2: echo(main, True),    # redirected within the same origin
            3: echo(third, False)}  # the same host name, another port
for seq, digest in expected.items():
    got = records[seq]["digests"].get("sha512")
    assert got == digest, f"{records[seq]['url']}: headers not as expected"
print("Authorization and Cookie sent to their own host only")
PY

# -- 5. A Retry-After date in year ~9900 is capped like the seconds form ----
# /throttle-date/S answers 429 with Retry-After S seconds from now as a date.
start=$(now_ms)
echo "$MAIN/throttle-date/251000000000/far" | "$FETCHSUM" -q --format json \
  --retry-max-delay 1 > "$SCRATCH/far.jsonl" || fail "far Retry-After: $(cat "$SCRATCH/far.jsonl")"
grep -q '"attempts":2' "$SCRATCH/far.jsonl" || fail "far Retry-After attempts: $(cat "$SCRATCH/far.jsonl")"
(($(now_ms) - start < 10000)) || fail "far Retry-After was not capped by --retry-max-delay"

pass "hostile servers and weakening redirects yield one record of the right kind"
