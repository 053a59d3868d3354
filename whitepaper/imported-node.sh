#!/usr/bin/env bash
# One numledgerd (a single validator) on an imported genesis: how long until
# its API answers, what RDAP, the API and whois cost per request the way
# results.md "Institutional data" measured them (a new client process per
# request), its RSS, and the ledger on disk. A step of reproduce.sh.
#
#   whitepaper/imported-node.sh BUILD GENESIS VALIDATOR_KEY [REQUESTS]
set -uo pipefail
BUILD=$1 GENESIS=$2 KEY=$3 N=${4:-200}
HOME_DIR=$(mktemp -d /tmp/nl-imported-node.XXXXXX)
# Ports from this shell's PID, away from the testnets' usual ranges.
PORT=$((20000 + $$ % 20000)) WHOIS=$((PORT + 1))
"$BUILD/numledgerd" --home "$HOME_DIR" --genesis "$GENESIS" --validator-key "$KEY" \
  --listen "127.0.0.1:$PORT" --whois-listen "127.0.0.1:$WHOIS" --log-level warn >"$HOME_DIR.log" 2>&1 &
PID=$!
cleanup() { kill "$PID" 2>/dev/null; wait "$PID" 2>/dev/null; rm -rf "$HOME_DIR" "$HOME_DIR.log"; }
trap cleanup EXIT

t0=$(date +%s.%N)
until curl -sf "http://127.0.0.1:$PORT/api/v1/status" >/dev/null; do
  kill -0 "$PID" 2>/dev/null || { echo "numledgerd exited:"; cat "$HOME_DIR.log"; exit 1; }
  (($(date +%s) - ${t0%.*} > 120)) && { echo "API not up after 120 s"; exit 1; }
  sleep 0.05
done
t1=$(date +%s.%N)
awk -v a="$t0" -v b="$t1" 'BEGIN { printf "API up after %.2f s (load %s)\n", b - a, "'"$(cut -d' ' -f1 /proc/loadavg)"'" }'

per_request() {  # per_request LABEL COUNT CMD...: mean wall time of one run of CMD
  local label=$1 count=$2 i s e; shift 2
  s=$(date +%s.%N)
  for ((i = 0; i < count; i++)); do "$@" >/dev/null 2>&1 || { echo "$label: request failed"; return 1; }; done
  e=$(date +%s.%N)
  awk -v a="$s" -v b="$e" -v n="$count" -v l="$label" 'BEGIN { printf "%-34s %6.2f ms each over %d\n", l, (b - a) * 1000 / n, n }'
}
per_request "GET /api/v1/status (new curl)" "$N" curl -sf "http://127.0.0.1:$PORT/api/v1/status"
per_request "GET /rdap/ip/41.0.0.1 (new curl)" "$N" curl -sf "http://127.0.0.1:$PORT/rdap/ip/41.0.0.1"
per_request "whois 41.0.0.1 (new whois)" "$((N / 2))" whois -h 127.0.0.1 -p "$WHOIS" 41.0.0.1
awk '/^VmRSS/ { printf "RSS %.0f MiB\n", $2 / 1024 }' "/proc/$PID/status"
echo "height $(curl -sf "http://127.0.0.1:$PORT/api/v1/status" | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin).get("height"))')"
# The state's size as the node reports it (operations.md, "Metrics").
curl -sf "http://127.0.0.1:$PORT/metrics" | grep -E '^numledger_(holdings|rocksdb_sst_bytes|rocksdb_memtable_bytes)[{ ]'
echo "home directory on disk $(du -sk "$HOME_DIR" | cut -f1) KiB (ledger, state and WAL, after its first blocks)"
