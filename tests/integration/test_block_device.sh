#!/bin/bash
# -o on a block device is refused before anything is fetched (exit 2, a
# message naming it): records are never written over a disk. The device is a
# loop device over a scratch file, reached through a node made with mknod in
# the test's own directory, so even a fetchsum that wrote to it could only
# change that file. Needs root (losetup, mknod); skipped (77) otherwise.
source "$(dirname "$0")/lib.sh"
if [[ $EUID -ne 0 ]]; then
  echo "SKIP: losetup and mknod need root"
  exit 77
fi
start_origin main --documents 20
cut -c 131- "$MANIFEST" > "$SCRATCH/urls.txt"

backing=$SCRATCH/disk.img
truncate -s 1M "$backing"
loop=$(losetup --find --show "$backing" 2> "$SCRATCH/losetup.err") || {
  echo "SKIP: no free loop device: $(cat "$SCRATCH/losetup.err")"
  exit 77
}
# Detached by the EXIT trap however the test ends (before lib.sh's cleanup
# removes $SCRATCH).
trap 'losetup -d "$loop" 2>/dev/null || true; cleanup' EXIT
IFS=: read -r major minor < "/sys/block/${loop#/dev/}/dev"
disk=$SCRATCH/disk
mknod "$disk" b "$major" "$minor"

requests() {
  curl -s "$BASE/stats" | sed -n 's/^requests //p'
}

r0=$(requests)
status=0
timeout 20 "$FETCHSUM" -o "$disk" "$SCRATCH/urls.txt" > "$SCRATCH/out" 2> "$SCRATCH/err" || status=$?
[[ $status -eq 2 ]] || fail "-o block device: exit $status, expected 2: $(cat "$SCRATCH/err")"
grep -qxF "fetchsum: $disk: not a regular file, character device or FIFO" "$SCRATCH/err" \
  || fail "-o block device: $(cat "$SCRATCH/err")"
[[ ! -s $SCRATCH/out ]] || fail "-o block device: records on standard output"
# Refused before anything was fetched: only the two /stats requests.
r1=$(requests)
(( r1 - r0 == 1 )) || fail "-o block device: $((r1 - r0 - 1)) URLs fetched before the refusal"
[[ -b $disk ]] || fail "-o block device: the device node was replaced"
# Read through the device (its page cache), not the backing file: a write
# would show there at once.
cmp -s -n 1048576 "$disk" /dev/zero || fail "-o block device: the device was written: $(head -c 200 "$disk" | cat -A)"

pass "-o refuses a block device before fetching anything"
