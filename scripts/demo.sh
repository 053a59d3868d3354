#!/usr/bin/env bash
# The README's main job: install, build, start a one-validator node on
# 127.0.0.1 with a fresh genesis, and walk a holder through delegate,
# transfer with co-signature, a refused conflicting claim, a query and a
# proof verified offline. Every step is printed.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh

BIN=$PWD/${BUILD_DIR:-build}
NL="$BIN/numledger"
WORK=${DEMO_DIR:-$(mktemp -d /tmp/numledger-demo.XXXXXX)}
mkdir -p "$WORK"
PORT=${PORT:-8640}
while (exec 3<>/dev/tcp/127.0.0.1/$PORT) 2>/dev/null; do PORT=$((PORT + 1)); done
export NUMLEDGER_NODE=http://127.0.0.1:$PORT

step() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }
show() { printf '$ %s\n' "$*" | sed "s#$WORK/##g; s#$BIN/##g"; "$@"; }

step "Keys: a validator, the root holder, and two holders (alice, bob); testnet keys, no passphrase"
for k in validator root alice bob; do
  show "$NL" key new --out "$WORK/$k.key" --no-passphrase >/dev/null
done
VALIDATOR=$("$NL" key show "$WORK/validator.key")
ROOT=$("$NL" key show "$WORK/root.key")
ALICE=$("$NL" key show "$WORK/alice.key")
BOB=$("$NL" key show "$WORK/bob.key")
echo "root  = $ROOT"; echo "alice = $ALICE"; echo "bob   = $BOB"

step "Genesis: chain 'demo', one validator, the root holds 10.0.0.0/8, 2001:db8::/32 and AS64496-AS64511"
show "$NL" genesis new --chain-id demo --validator "$VALIDATOR" \
  --root "10.0.0.0/8=$ROOT" --root "2001:db8::/32=$ROOT" --root "AS64496-AS64511=$ROOT" \
  --out "$WORK/genesis.json"

step "Start numledgerd on 127.0.0.1:$PORT (log: $WORK/node.log)"
"$BIN/numledgerd" --home "$WORK/node" --genesis "$WORK/genesis.json" \
  --validator-key "$WORK/validator.key" --listen "127.0.0.1:$PORT" --block-interval 1 \
  >"$WORK/node.log" 2>&1 &
NODE_PID=$!
trap 'kill $NODE_PID 2>/dev/null || true; wait $NODE_PID 2>/dev/null || true' EXIT
for _ in $(seq 100); do "$NL" query account "$ROOT" >/dev/null 2>&1 && break; sleep 0.1; done
show "$NL" query account "$ROOT"

step "The root delegates 10.1.0.0/16 to alice (signed offline, then submitted)"
show "$NL" tx delegate 10.1.0.0/16 --to "$ALICE" --key "$WORK/root.key" --out "$WORK/delegate.tx"
show "$NL" tx submit "$WORK/delegate.tx"

step "Alice transfers 10.1.0.0/24 to bob; bob co-signs the same file offline"
show "$NL" tx transfer 10.1.0.0/24 --to "$BOB" --key "$WORK/alice.key" --out "$WORK/transfer.tx"
show "$NL" tx sign "$WORK/transfer.tx" --key "$WORK/bob.key"
show "$NL" tx show "$WORK/transfer.tx"
show "$NL" tx submit "$WORK/transfer.tx"

step "A conflicting claim: the root tries to delegate 10.1.0.0/20 to bob, but that space is already delegated"
show "$NL" tx delegate 10.1.0.0/20 --to "$BOB" --key "$WORK/root.key" --out "$WORK/conflict.tx"
if show "$NL" tx submit "$WORK/conflict.tx"; then
  echo "ERROR: the conflicting claim was accepted" >&2; exit 1
else
  echo "(refused, as it must be)"
fi

step "Bob authorizes AS64496 to originate 10.1.0.0/24 (a route-origin authorization)"
show "$NL" tx authorize 10.1.0.0/24 --asn AS64496 --key "$WORK/bob.key" --out "$WORK/roa.tx"
show "$NL" tx submit "$WORK/roa.tx"

step "Query: who controls 10.1.0.7, and 10.1.128.0/24?"
show "$NL" query 10.1.0.7
show "$NL" query 10.1.128.0/24
show "$NL" history 10.1.0.0/24

step "Proof of control for 10.1.0.0/24, fetched from the node and verified offline with the genesis alone"
show "$NL" proof get 10.1.0.0/24 --out "$WORK/bob.proof"
kill $NODE_PID; wait $NODE_PID 2>/dev/null || true
echo "(node stopped: the proof needs no node)"
show "$NL" proof verify "$WORK/bob.proof" --genesis "$WORK/genesis.json"

step "Done. Files are in $WORK"
