#!/usr/bin/env bash
# The README's main job: install, build, start a 4-validator testnet on
# 127.0.0.1 with `numledger testnet`, and walk a holder through delegate,
# transfer with co-signature, a refused conflicting claim and a route-origin
# authorization, each submitted to a different node; read the same answer
# back from every node; get a proof from one node and verify it offline.
# Every step is printed; the testnet is stopped at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh

BUILD_DIR=${BUILD_DIR:-build}
case $BUILD_DIR in /*) BIN=$BUILD_DIR ;; *) BIN=$PWD/$BUILD_DIR ;; esac
NL="$BIN/numledger"
WORK=${DEMO_DIR:-$(mktemp -d /tmp/numledger-demo.XXXXXX)}
mkdir -p "$WORK"
NET=$WORK/net

# Four consecutive free ports, from $PORT (default 8640) up.
port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
PORT=${PORT:-8640}
while port_busy "$PORT" || port_busy $((PORT + 1)) || port_busy $((PORT + 2)) || port_busy $((PORT + 3)); do
  PORT=$((PORT + 4))
done
URL=()
for i in 0 1 2 3; do URL[i]=http://127.0.0.1:$((PORT + i)); done

step() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }
show() { printf '$ %s\n' "$*" | sed "s#$WORK/##g; s#$BIN/##g"; "$@"; }

# Waits until every node has committed height $1 (read your writes before
# the next node is asked).
wait_all() {
  for _ in $(seq 200); do
    local heights
    heights=$("$NL" testnet status --dir "$NET" --json | sed -n 's/^ *"height": \([0-9]*\),\{0,1\}$/\1/p')
    local low=1
    [ "$(printf '%s\n' "$heights" | grep -c .)" -eq 4 ] || low=0
    for h in $heights; do [ "$h" -ge "$1" ] || low=0; done
    [ $low = 1 ] && return 0
    sleep 0.1
  done
  echo "ERROR: not every node reached height $1" >&2
  exit 1
}
# Submits a transaction file to a node and waits until every node has it.
submit() {
  local out
  out=$(show "$NL" tx submit "$2" --node "$1")
  printf '%s\n' "$out"
  wait_all "$(printf '%s\n' "$out" | sed -n 's/^committed .* at height \([0-9]*\)$/\1/p')"
}

step "A testnet: 4 validators on 127.0.0.1:$PORT-$((PORT + 3)), a genesis, and the root holder's key"
show "$NL" testnet init --validators 4 --dir "$NET" --base-port "$PORT" --chain-id demo --block-interval 1
trap '"$NL" testnet stop --dir "$NET" >/dev/null 2>&1 || true' EXIT
show "$NL" testnet start --dir "$NET"

step "Keys for two holders, alice and bob (testnet keys, no passphrase)"
for k in alice bob; do
  show "$NL" key new --out "$WORK/$k.key" --no-passphrase >/dev/null
done
ROOT=$("$NL" key show "$NET/holders/root.key")
ALICE=$("$NL" key show "$WORK/alice.key")
BOB=$("$NL" key show "$WORK/bob.key")
echo "root  = $ROOT"; echo "alice = $ALICE"; echo "bob   = $BOB"

step "The root delegates 10.1.0.0/16 to alice, signed offline and submitted to validator0"
show "$NL" tx delegate 10.1.0.0/16 --to "$ALICE" --key "$NET/holders/root.key" --node "${URL[0]}" --out "$WORK/delegate.tx"
submit "${URL[0]}" "$WORK/delegate.tx"

step "Alice transfers 10.1.0.0/24 to bob; bob co-signs the same file offline; submitted to validator1"
show "$NL" tx transfer 10.1.0.0/24 --to "$BOB" --key "$WORK/alice.key" --node "${URL[1]}" --out "$WORK/transfer.tx"
show "$NL" tx sign "$WORK/transfer.tx" --key "$WORK/bob.key"
show "$NL" tx show "$WORK/transfer.tx"
submit "${URL[1]}" "$WORK/transfer.tx"

step "A conflicting claim sent to validator2: the root delegates 10.1.0.0/20 to bob, but that space is already delegated"
show "$NL" tx delegate 10.1.0.0/20 --to "$BOB" --key "$NET/holders/root.key" --node "${URL[2]}" --out "$WORK/conflict.tx"
if show "$NL" tx submit "$WORK/conflict.tx" --node "${URL[2]}"; then
  echo "ERROR: the conflicting claim was accepted" >&2; exit 1
else
  echo "(refused, as it must be)"
fi

step "Bob authorizes AS64496 to originate 10.1.0.0/24, submitted to validator3"
show "$NL" tx authorize 10.1.0.0/24 --asn AS64496 --key "$WORK/bob.key" --node "${URL[3]}" --out "$WORK/roa.tx"
submit "${URL[3]}" "$WORK/roa.tx"

step "Every node gives the same answer: who controls 10.1.0.7, and 10.1.128.0/24?"
for q in 10.1.0.7 10.1.128.0/24; do
  first=""
  for i in 0 1 2 3; do
    echo "-- validator$i (${URL[i]})"
    answer=$(show "$NL" query "$q" --node "${URL[i]}")
    printf '%s\n' "$answer"
    # Past the command line and the "(at height N)" line, answers must match.
    body=$(printf '%s\n' "$answer" | tail -n +3)
    if [ -z "$first" ]; then first=$body; elif [ "$body" != "$first" ]; then
      echo "ERROR: validator$i answers differently for $q" >&2; exit 1
    fi
  done
done
show "$NL" history 10.1.0.0/24 --node "${URL[2]}"
show "$NL" testnet status --dir "$NET"

step "Proof of control for 10.1.0.0/24 from validator2, verified offline with the genesis alone"
show "$NL" proof get 10.1.0.0/24 --node "${URL[2]}" --out "$WORK/bob.proof"
show "$NL" testnet stop --dir "$NET"
echo "(testnet stopped: the proof needs no node)"
show "$NL" proof verify "$WORK/bob.proof" --genesis "$NET/genesis.json"

step "Done. Files are in $WORK (the testnet in $NET; numledger testnet start --dir $NET starts it again)"
