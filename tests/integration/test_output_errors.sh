#!/bin/bash
# Output is never silently lost: a full disk or device under -o, standard
# output or --journal is reported ("fetchsum: write error: FILE: No space
# left on device") and the exit status is 2; -o refuses a directory before
# anything is fetched and writes a device or FIFO as it is.
source "$(dirname "$0")/lib.sh"
start_origin main --documents 600
cut -c 131- "$MANIFEST" > "$SCRATCH/urls.txt"
enospc="No space left on device"

# expect_write_error WHAT FILE: the last run exited 2 naming FILE, and still
# counted all 600 URLs in its summary line.
expect_write_error() {
  local what=$1 file=$2
  [[ $status -eq 2 ]] || fail "$what: exit $status, expected 2"
  grep -qxF "fetchsum: write error: $file: $enospc" "$SCRATCH/err" \
    || fail "$what: no write error for $file: $(cat "$SCRATCH/err")"
  grep -q '^fetchsum: 600 URLs, 600 ok' "$SCRATCH/err" \
    || fail "$what: records not counted: $(cat "$SCRATCH/err")"
}

# run_fetchsum ARGS...: runs fetchsum on the list, stderr to $SCRATCH/err,
# exit status in $status.
run_fetchsum() {
  status=0
  "$FETCHSUM" "$@" "$SCRATCH/urls.txt" 2> "$SCRATCH/err" || status=$?
}

# -o on a directory: refused at once, before anything is fetched. The list
# is standard input from a FIFO nobody writes to: a run that went on would
# wait for it until the timeout.
mkfifo "$SCRATCH/no-list"
exec 3<> "$SCRATCH/no-list"
status=0
timeout 10 "$FETCHSUM" -o "$SCRATCH" - <&3 > /dev/null 2> "$SCRATCH/err" || status=$?
exec 3<&-
[[ $status -eq 2 ]] || fail "-o DIR: exit $status, expected 2"
grep -qxF "fetchsum: $SCRATCH: Is a directory" "$SCRATCH/err" \
  || fail "-o DIR: $(cat "$SCRATCH/err")"

# -o on a FIFO: written as it is.
mkfifo "$SCRATCH/fifo"
cat "$SCRATCH/fifo" > "$SCRATCH/from-fifo" &
reader=$!
run_fetchsum -o "$SCRATCH/fifo"
wait $reader
[[ $status -eq 0 ]] || fail "-o FIFO: exit $status: $(cat "$SCRATCH/err")"
[[ -p $SCRATCH/fifo ]] || fail "-o FIFO: the FIFO was replaced"
diff <(sort "$MANIFEST") <(sort "$SCRATCH/from-fifo") > /dev/null || fail "-o FIFO: records differ"

if [[ $EUID -ne 0 ]]; then
  # mknod and mount need root (CI runs as root).
  pass "write errors: only the unprivileged part ran (not root)"
  exit 0
fi

# A device that always says ENOSPC, like /dev/full (made here: the test
# never touches /dev itself).
mknod "$SCRATCH/full" c 1 7
run_fetchsum -q -o "$SCRATCH/full"
grep -qxF "fetchsum: write error: $SCRATCH/full: $enospc" "$SCRATCH/err" \
  || fail "-o full device: $(cat "$SCRATCH/err")"
[[ $status -eq 2 ]] || fail "-o full device: exit $status"
[[ -c $SCRATCH/full ]] || fail "-o full device: the device was replaced"
run_fetchsum > "$SCRATCH/full"
expect_write_error "standard output on a full device" "standard output"

# A full file system: a 64 KiB tmpfs, unmounted by the EXIT trap however the
# test ends (before lib.sh's cleanup removes $SCRATCH).
mnt=$SCRATCH/mnt
mkdir "$mnt"
mount -t tmpfs -o size=64k fetchsum-test "$mnt" || fail "cannot mount a tmpfs"
trap 'umount "$mnt" 2>/dev/null || true; cleanup' EXIT

# 600 records are about 100 KB: the first ones fit, then the disk is full.
run_fetchsum -o "$mnt/sums.txt"
expect_write_error "-o on a tmpfs that fills up" "$mnt/sums.txt"
written=$(wc -l < "$mnt/sums.txt")
((written > 0 && written < 600)) || fail "-o on a tmpfs: $written records written"
# What was written is whole lines, each of them right.
head -n "$written" "$mnt/sums.txt" | grep -vxFf "$MANIFEST" && fail "-o on a tmpfs: a wrong line"
rm "$mnt/sums.txt"

dd if=/dev/zero of="$mnt/filler" bs=4k 2> /dev/null || true
run_fetchsum -o "$mnt/sums.txt"
expect_write_error "-o on a full tmpfs" "$mnt/sums.txt"

# The journal on the full tmpfs: reported, while standard output gets every
# record.
run_fetchsum --journal "$mnt/run.jsonl" > "$SCRATCH/out"
expect_write_error "--journal on a full tmpfs" "$mnt/run.jsonl"
diff <(sort "$MANIFEST") <(sort "$SCRATCH/out") > /dev/null \
  || fail "--journal on a full tmpfs: standard output lost records"

pass "write errors are reported with exit status 2"
