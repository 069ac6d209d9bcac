#!/bin/bash
# cluster-certs.sh DIR [NAME...]: certificates for fetchsum's mutual TLS
# between coordinator and nodes (--cluster-ca, --cluster-cert, --cluster-key).
#
#   DIR/ca.pem, DIR/ca.key    a CA, made unless DIR already has one
#   DIR/NAME.pem, NAME.key    for each NAME, a certificate signed by that CA
#
# Every machine gets ca.pem and its own NAME.pem + NAME.key; ca.key stays
# where the certificates are made. Host names are not checked (CAF checks only
# that a peer's certificate chains to the CA), so NAME is just a label.
# A certificate from another CA, which nodes must refuse, is a second DIR:
#   scripts/cluster-certs.sh certs coordinator node1 node2
#   scripts/cluster-certs.sh rogue intruder    # rogue/ca.pem is another CA
# Keys are EC P-256, unencrypted (mode 600); certificates last 10 years.
set -euo pipefail

if [[ $# -lt 1 || $1 == -* ]]; then
  echo "usage: $0 DIR [NAME...]" >&2
  exit 2
fi
dir=$1
shift
mkdir -p "$dir"
umask 077

if [[ ! -e $dir/ca.pem ]]; then
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -days 3650 -subj "/CN=fetchsum cluster CA" \
    -keyout "$dir/ca.key" -out "$dir/ca.pem" 2> /dev/null
fi
for name in "$@"; do
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -subj "/CN=$name" -keyout "$dir/$name.key" -out "$dir/$name.csr" 2> /dev/null
  openssl x509 -req -in "$dir/$name.csr" -CA "$dir/ca.pem" -CAkey "$dir/ca.key" \
    -CAcreateserial -days 3650 -out "$dir/$name.pem" 2> /dev/null
  rm -f "$dir/$name.csr"
done
chmod 644 "$dir"/*.pem
