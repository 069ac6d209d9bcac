#!/bin/bash
# Politeness on the wire, across ten hosts (distinct loopback addresses):
# each host's measured peak of requests in flight stays within --per-host,
# and --rate holds within 10%.
source "$(dirname "$0")/lib.sh"

hosts=()
for i in $(seq 10); do
  start_origin "h$i" --documents 60 --address "127.0.0.$i"
  hosts+=("$BASE")
done

# Every host: 60 documents, with slow, flaky, throttled and redirected ones
# interleaved.
for n in $(seq 0 59); do
  for base in "${hosts[@]}"; do
    echo "$base/doc/$n"
    if ((n % 10 == 0)); then
      echo "$base/slow/100?$n"
      echo "$base/flaky/1/$n"
      echo "$base/redirect/2?$n"
    fi
    ((n == 30)) && echo "$base/throttle/1/$n"
  done
done > "$SCRATCH/urls.txt"
total=$(wc -l < "$SCRATCH/urls.txt")
"$FETCHSUM" -q -j 64 --per-host 3 --retry-delay 0.05 --format json \
  "$SCRATCH/urls.txt" > "$SCRATCH/out.jsonl" || fail "run failed"
[[ $(wc -l < "$SCRATCH/out.jsonl") -eq $total ]] || fail "not one record per URL"
grep -q '"ok":false' "$SCRATCH/out.jsonl" && fail "a URL failed: $(grep '"ok":false' "$SCRATCH/out.jsonl" | head -1)"
peaks=()
for base in "${hosts[@]}"; do
  peak=$(curl -sf "$base/stats" | awk '/^peak_in_flight/ {print $2}')
  ((peak <= 3)) || fail "$base: $peak requests at once with --per-host 3"
  ((peak >= 2)) || fail "$base: never more than $peak at once"
  peaks+=("$peak")
done
echo "measured peak in flight per host (--per-host 3): ${peaks[*]}"

# --rate 10: 21 requests to one host take 2 s (one at once, then 10 per s).
for n in $(seq 0 20); do echo "${hosts[0]}/doc/$n?rate"; done > "$SCRATCH/rate.txt"
start=$(now_ms)
"$FETCHSUM" -q --rate 10 -j 64 --per-host 64 "$SCRATCH/rate.txt" > /dev/null || fail "rate run failed"
took=$(($(now_ms) - start))
((took >= 1800 && took <= 2300)) || fail "--rate 10: 21 requests took ${took} ms, expected about 2000"
echo "--rate 10: 21 requests in ${took} ms ($((20000 / took)).$(((20000 * 10 / took) % 10)) requests/s after the first)"
pass "per-host caps and rate hold across hosts"
