#!/usr/bin/env bash
# A registry shock on real data (issue 18, item 4): what happens to networks
# when a registry stops recognising them, or is captured?
#
# Imports a real registry (AFRINIC 2024-01-05 with IANA's designations and
# the AFRINIC trust anchor's VRPs) into a 4-validator testnet on 127.0.0.1.
# A holder sub-delegates and authorizes as usual; then
#   run 1: the registry's own key is lost;
#   run 2: it is stolen and used by an attacker.
# Each run checks, against the running nodes, what every holder keeps
# (holdings, sub-delegations, proofs verified offline, ROAs served to a
# router over RTR), what freezes (the registry's unallocated space), what
# the attacker can and cannot do, and what evidence remains
# (whitepaper/continuity.md "Threats", whitepaper/governance.md).
#
# Every step is printed. Exit 0 when every claim holds; otherwise 1, and
# the last lines name each failed claim. Missing data is a failure that
# says so.
#
#   scripts/scenario-registry-shock.sh [--build DIR] [--data DIR] [--work DIR] [--keep]
# --data defaults to $NL_DATA_DIR, else ../shared/data next to the source tree.
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=$ROOT/build
DATA=${NL_DATA_DIR:-$ROOT/../shared/data}
WORK=
KEEP=0
while [ $# -gt 0 ]; do
  case $1 in
    --build) BUILD=$2; shift 2 ;;
    --data) DATA=$2; shift 2 ;;
    --work) WORK=$2; shift 2 ;;
    --keep) KEEP=1; shift ;;
    -h | --help) sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "scenario-registry-shock: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done
NL=$BUILD/numledger
[ -x "$NL" ] || { echo "FAILED: $NL is missing; build first (cmake --build build)" >&2; exit 1; }
[ -x "$BUILD/numledgerd" ] || { echo "FAILED: $BUILD/numledgerd is missing; build first" >&2; exit 1; }
STATS=$DATA/delegated-afrinic-extended-20240105
VRPS=$DATA/vrps-afrinic-20240101.json
IANA4=$DATA/iana-ipv4-address-space.csv
IANA6=$DATA/iana-ipv6-unicast-address-assignments.csv
for f in "$STATS" "$VRPS" "$IANA4" "$IANA6"; do
  [ -f "$f" ] || { echo "FAILED: the real registry data is missing: $f (expected in ../shared/data, see its README)" >&2; exit 1; }
done
command -v jq >/dev/null || { echo "FAILED: jq is needed (apt-get install jq)" >&2; exit 1; }
command -v python3 >/dev/null || { echo "FAILED: python3 is needed for the RTR query" >&2; exit 1; }

[ -n "$WORK" ] || WORK=$(mktemp -d /tmp/numledger-shock.XXXXXX)
mkdir -p "$WORK"
NET=$WORK/net
KEYS=$WORK/keys

# The holder followed through the shock: an AFRINIC member with a ROA in
# the TA's VRPs (41.0.0.0/11, ZA; ROA 41.0.0.0/16 AS36994).
HOLDER_ORG=afrinic-F364712F
HOLDING=41.0.0.0/11
ROA_PREFIX=41.0.0.0/16
ROA_ASN=AS36994
SUB=41.31.255.0/24      # what the holder sub-delegates to a customer
SUB2=41.31.254.0/24     # and delegates again after the shock
CUSTOMER_ASN=AS64500
# The registry's unallocated space: the first IPv4 "available" record of
# the file; its first /24 is allocated before the shock, its second is the
# free space the runs look at.
FREE_START=$(awk -F'|' '$3=="ipv4" && $7=="available" && $5>=512 {print $4; exit}' "$STATS")
[ -n "$FREE_START" ] || { echo "FAILED: no available IPv4 block of 512 or more in $STATS" >&2; exit 1; }
next24() { python3 -c "import ipaddress,sys; print(ipaddress.ip_address(sys.argv[1]) + 256)" "$1"; }
FREE_BEFORE=$FREE_START/24
FREE=$(next24 "$FREE_START")/24
FREE3=$(next24 "$(next24 "$FREE_START")")/24   # the stolen key's owner tries this one once locked out

FAILED=()
step() { printf '\n==> %s\n' "$*"; }
show() { printf '$ %s\n' "$*" | sed "s#$WORK/##g; s#$BUILD/##g"; "$@"; }
claim_ok() { printf '  CLAIM HOLDS: %s\n' "$1"; }
claim_fail() { printf '  CLAIM FAILED: %s\n' "$1"; FAILED+=("$RUN: $1"); }
# claim NAME CMD...: the command succeeds.
claim() { local n=$1; shift; if "$@"; then claim_ok "$n"; else claim_fail "$n"; fi; }
# refused NAME WHY CMD...: the command fails, and its reason (printed)
# contains WHY, so a refusal for another reason does not count.
refused() {
  local n=$1 why=$2; shift 2
  local out
  if out=$("$@" 2>&1); then printf '%s\n' "$out"; claim_fail "$n (it was accepted)"; return; fi
  printf '%s\n' "$out" | sed 's/^/    refused: /'
  if grep -qF -- "$why" <<<"$out"; then claim_ok "$n"; else claim_fail "$n (refused, but not for '$why')"; fi
}
# built CMD...: a transaction builder that must work (else the claim after it could not be tested).
built() {
  local out
  if out=$("$@" 2>&1); then return 0; fi
  printf '%s\n' "$out"; claim_fail "could not run: $(printf '%s ' "$@" | sed "s#$WORK/##g; s#$BUILD/##g")"; return 1
}
# submit FILE: the node commits it.
submit() { show "$NL" tx submit "$1" --node "$URL"; }

holder_of() { "$NL" query "$1" --node "$URL" --json | jq -r '.holder'; }
account_of_key() { "$NL" key show "$1"; }
vrps_csv() { "$NL" export vrps --format csv --node "$URL"; }
# (Read whole first: grep -q stopping early would fail the pipe under pipefail.)
has_vrp() { local all; all=$(vrps_csv) && grep -q "^$1,$2," <<<"$all"; }
# "RANGE HOLDER" of the deepest holding that contains all of $1.
holding_of() { "$NL" query "$1" --node "$URL" --json | jq -r '.chain[-1] | "\(.range) \(.holder)"'; }
# A router's view: an RTR (RFC 8210, version 1) Reset Query to the node;
# prints the number of prefix PDUs received before End of Data, then each
# "ASN,PREFIX/LEN".
rtr_dump() {
  python3 - "$1" <<'PY'
import ipaddress, socket, struct, sys
host, port = sys.argv[1].rsplit(":", 1)
s = socket.create_connection((host, int(port)), timeout=30)
s.sendall(struct.pack("!BBHI", 1, 2, 0, 8))  # Reset Query
buf = b""
def read(n):
    global buf
    while len(buf) < n:
        chunk = s.recv(65536)
        if not chunk: raise SystemExit("RTR: connection closed before End of Data")
        buf += chunk
    out, buf = buf[:n], buf[n:]
    return out
seen = []
while True:
    hdr = read(8)
    ver, typ, _, length = struct.unpack("!BBHI", hdr)
    body = read(length - 8)
    if typ == 4:    # IPv4 Prefix
        flags, plen, maxlen, _, addr, asn = struct.unpack("!BBBB4sI", body)
        if flags & 1: seen.append(f"AS{asn},{ipaddress.IPv4Address(addr)}/{plen}")
    elif typ == 6:  # IPv6 Prefix
        flags, plen, maxlen, _, addr, asn = struct.unpack("!BBBB16sI", body)
        if flags & 1: seen.append(f"AS{asn},{ipaddress.IPv6Address(addr)}/{plen}")
    elif typ == 7:  # End of Data
        break
    elif typ == 10:
        raise SystemExit("RTR: Error Report from the node")
print(len(seen))
print("\n".join(seen))
PY
}

# Free ports: four for the nodes, one for RTR. Below the kernel's ephemeral
# range (32768-60999), so no test's outgoing connection takes one of them
# between this check and the node's bind.
port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
PORT=$((20000 + RANDOM % 12000))
while port_busy "$PORT" || port_busy $((PORT + 1)) || port_busy $((PORT + 2)) || port_busy $((PORT + 3)) ||
  port_busy $((PORT + 4)); do PORT=$((PORT + 5)); done
URL=http://127.0.0.1:$PORT
RTR=127.0.0.1:$((PORT + 4))

cleanup() {
  "$NL" testnet stop --dir "$NET" >/dev/null 2>&1 || true
  [ $KEEP = 1 ] || rm -rf "$WORK"
}
trap cleanup EXIT
trap "exit 143" INT TERM   # so that cleanup runs when CTest times out

RUN=setup
step "A 4-validator testnet on 127.0.0.1:$PORT-$((PORT + 3)); validator0 also speaks RTR on $RTR"
show "$NL" testnet init --validators 4 --dir "$NET" --base-port "$PORT" --chain-id shock --block-interval 1 ||
  { echo "FAILED: testnet init"; exit 1; }
echo "rtr-listen = \"$RTR\"" >>"$NET/validator0/numledgerd.toml"

step "Import the real registry into its genesis: $(basename "$STATS"), IANA's designations, $(basename "$VRPS")"
export NUMLEDGER_KEYSTORE_PASSPHRASE="shock scenario keystore"
show "$NL" import rir "$STATS" --iana-ipv4 "$IANA4" --iana-ipv6 "$IANA6" --vrps "$VRPS" --chain-id shock \
  --validator "$NET/validator0/validator.key" --validator "$NET/validator1/validator.key" \
  --validator "$NET/validator2/validator.key" --validator "$NET/validator3/validator.key" \
  --keystore "$WORK/ks" --out "$NET/genesis.json" --force 2>/dev/null || { echo "FAILED: import rir"; exit 1; }
cp "$NET/genesis.json" "$WORK/genesis.json"   # what an offline verifier keeps

step "Keys handed out of the keystore (testnet: no passphrase on the files): the registry's and the holder's"
mkdir -p "$KEYS"
show "$NL" import key --keystore "$WORK/ks" --org afrinic --out "$KEYS/registry.key" --no-passphrase || exit 1
show "$NL" import key --keystore "$WORK/ks" --org "$HOLDER_ORG" --out "$KEYS/holder.key" --no-passphrase || exit 1
for k in customer customer2 newcomer attacker; do
  "$NL" key new --no-passphrase --out "$KEYS/$k.key" >/dev/null 2>&1 || exit 1
done
REGISTRY=$(account_of_key "$KEYS/registry.key")
HOLDER=$(account_of_key "$KEYS/holder.key")
CUSTOMER=$(account_of_key "$KEYS/customer.key")
ATTACKER=$(account_of_key "$KEYS/attacker.key")
echo "registry afrinic = $REGISTRY"
echo "holder $HOLDER_ORG = $HOLDER"
echo "customer = $CUSTOMER, attacker = $ATTACKER"

run_shock() {
  RUN=$1
  step "[$RUN] A fresh chain on the imported genesis"
  "$NL" testnet stop --dir "$NET" >/dev/null 2>&1
  rm -rf "$NET"/validator*/data
  show "$NL" testnet start --dir "$NET" || { claim_fail "the testnet starts"; return; }

  step "[$RUN] Before the shock: the holder sub-delegates and its customer authorizes; the registry allocates"
  claim "the genesis gives $HOLDING to $HOLDER_ORG" [ "$(holding_of "$HOLDING")" = "$HOLDING $HOLDER" ]
  claim "the genesis gives $FREE (unallocated, 'available' in the file) to the registry" [ "$(holder_of "$FREE")" = "$REGISTRY" ]
  show "$NL" tx delegate "$SUB" --to "$CUSTOMER" --key "$KEYS/holder.key" --node "$URL" --out "$WORK/sub.tx" >/dev/null
  claim "the holder's sub-delegation $SUB commits" submit "$WORK/sub.tx"
  show "$NL" tx authorize "$SUB" --asn "$CUSTOMER_ASN" --key "$KEYS/customer.key" --node "$URL" --out "$WORK/roa.tx" >/dev/null
  claim "the customer's ROA $SUB $CUSTOMER_ASN commits" submit "$WORK/roa.tx"
  show "$NL" tx delegate "$FREE_BEFORE" --to "$KEYS/newcomer.key" --key "$KEYS/registry.key" --node "$URL" \
    --out "$WORK/alloc.tx" >/dev/null
  claim "the registry allocates $FREE_BEFORE from its free space" submit "$WORK/alloc.tx"
  local vrps_before
  vrps_before=$(vrps_csv | tail -n +2 | wc -l)
  echo "VRPs served before the shock: $vrps_before"

  if [ "$RUN" = lost ]; then
    step "[lost] The registry's key is lost: its key file is gone, and so is its keystore"
    mv "$KEYS/registry.key" "$WORK/registry.key.lost"   # put back for the next run's fresh chain
    rm -rf "$WORK/ks.lost" && mv "$WORK/ks" "$WORK/ks.lost"
  else
    step "[stolen] The registry's key is stolen: the attacker holds a copy and uses it"
    cp "$KEYS/registry.key" "$KEYS/stolen-registry.key"
    local S=$KEYS/stolen-registry.key

    show "$NL" tx delegate "$FREE" --to "$ATTACKER" --key "$S" --node "$URL" --out "$WORK/grab.tx" >/dev/null
    claim "the attacker CAN allocate the registry's unallocated space $FREE to itself" submit "$WORK/grab.tx"
    claim "  ... and the ledger now names the attacker as holder of $FREE" [ "$(holder_of "$FREE")" = "$ATTACKER" ]
    built "$NL" tx delegate "$ROA_PREFIX" --to "$ATTACKER" --key "$S" --node "$URL" --out "$WORK/x1.tx" &&
      refused "the attacker cannot delegate the holder's $ROA_PREFIX" "overlaps holding" "$NL" tx submit "$WORK/x1.tx" --node "$URL"
    # A transfer of $HOLDING signed with the registry's key moves the
    # registry's own position over those numbers (its /8, split), with the
    # holder's allocation below it (continuity.md, "Where a rule could
    # surprise"): the attacker becomes the holder's parent, not its holder.
    built "$NL" tx transfer "$HOLDING" --to "$ATTACKER" --key "$S" --node "$URL" --out "$WORK/x2.tx" &&
      built "$NL" tx sign "$WORK/x2.tx" --key "$KEYS/attacker.key" &&
      claim "the attacker CAN take the registry's position above $HOLDING (transfer of that piece of the registry's /8, co-signed as recipient)" \
        submit "$WORK/x2.tx"
    claim "  ... yet the holder still holds $HOLDING" [ "$(holding_of "$HOLDING")" = "$HOLDING $HOLDER" ]
    claim "  ... and the attacker is now only its parent" \
      [ "$("$NL" query "$HOLDING" --node "$URL" --json | jq -r '.chain[-2].holder')" = "$ATTACKER" ]
    built "$NL" tx revoke "$HOLDING" --key "$KEYS/attacker.key" --node "$URL" --out "$WORK/x3.tx" &&
      refused "the attacker, as parent, cannot revoke the holder's allocation $HOLDING (only an expired lease is revoked)" "which is not a lease" \
        "$NL" tx submit "$WORK/x3.tx" --node "$URL"
    built "$NL" tx delegate "$HOLDING" --to "$KEYS/newcomer.key" --key "$KEYS/attacker.key" --node "$URL" --out "$WORK/x8.tx" &&
      refused "the attacker, as parent, cannot delegate over the holder's $HOLDING" "overlaps holding" "$NL" tx submit "$WORK/x8.tx" --node "$URL"
    local maxlen
    maxlen=$(vrps_csv | awk -F, -v a="$ROA_ASN" -v p="$ROA_PREFIX" '$1==a && $2==p {print $3; exit}')
    built "$NL" tx withdraw "$ROA_PREFIX" --asn "$ROA_ASN" --max-length "${maxlen:-16}" --key "$S" --node "$URL" --out "$WORK/x4.tx" &&
      refused "the attacker cannot withdraw the holder's ROA $ROA_PREFIX $ROA_ASN" "only the issuer" "$NL" tx submit "$WORK/x4.tx" --node "$URL"
    built "$NL" tx withdraw "$SUB" --asn "$CUSTOMER_ASN" --key "$S" --node "$URL" --out "$WORK/x5.tx" &&
      refused "the attacker cannot withdraw the customer's ROA $SUB $CUSTOMER_ASN" "only the issuer" "$NL" tx submit "$WORK/x5.tx" --node "$URL"
    built "$NL" tx delegate "$SUB" --to "$ATTACKER" --key "$S" --node "$URL" --out "$WORK/x7.tx" &&
      refused "the attacker cannot take the customer's sub-delegation $SUB" "holds no holding containing" "$NL" tx submit "$WORK/x7.tx" --node "$URL"
    show "$NL" tx rotate-key --key "$S" --new-key "$KEYS/attacker.key" --node "$URL" --out "$WORK/lock.tx" >/dev/null
    claim "the attacker CAN lock the registry out of its own account (rotate-key)" submit "$WORK/lock.tx"
    built "$NL" tx delegate "$FREE3" --to "$HOLDER" --key "$KEYS/registry.key" --node "$URL" --out "$WORK/x6.tx" &&
      refused "the registry's own copy of its key no longer signs" "not signed by the current key" "$NL" tx submit "$WORK/x6.tx" --node "$URL"
  fi

  step "[$RUN] What every holder keeps"
  claim "the holder still holds $HOLDING" [ "$(holding_of "$HOLDING")" = "$HOLDING $HOLDER" ]
  claim "the customer still holds the sub-delegation $SUB" [ "$(holder_of "$SUB")" = "$CUSTOMER" ]
  show "$NL" tx delegate "$SUB2" --to "$KEYS/customer2.key" --key "$KEYS/holder.key" --node "$URL" --out "$WORK/sub2.tx" >/dev/null
  claim "the holder can still sub-delegate ($SUB2) without the registry" submit "$WORK/sub2.tx"
  show "$NL" proof get "$ROA_PREFIX" --node "$URL" --out "$WORK/holder.proof" >/dev/null
  local verified
  verified=$("$NL" proof verify "$WORK/holder.proof" --genesis "$WORK/genesis.json" --json)
  printf '%s\n' "$verified" | jq -c '{valid, height, custody, parts: [.parts[] | {range, holder}]}'
  claim "a proof of $ROA_PREFIX verifies offline against the genesis and names the holder" \
    [ "$(printf '%s' "$verified" | jq -r '.parts[0].holder')" = "$HOLDER" ]
  show "$NL" proof get "$SUB" --node "$URL" --out "$WORK/customer.proof" >/dev/null
  verified=$("$NL" proof verify "$WORK/customer.proof" --genesis "$WORK/genesis.json" --json)
  printf '%s\n' "$verified" | jq -c '{valid, height, custody, parts: [.parts[] | {range, holder}]}'
  claim "a proof of the sub-delegation $SUB verifies offline and names the customer" \
    [ "$(printf '%s' "$verified" | jq -r '.parts[0].holder')" = "$CUSTOMER" ]

  step "[$RUN] ROAs still served to a router"
  claim "export vrps from the node still has $ROA_PREFIX $ROA_ASN" has_vrp "$ROA_ASN" "$ROA_PREFIX"
  claim "export vrps from the node still has the customer's $SUB $CUSTOMER_ASN" has_vrp "$CUSTOMER_ASN" "$SUB"
  local vrps_after rtr
  vrps_after=$(vrps_csv | tail -n +2 | wc -l)
  echo "VRPs served after the shock: $vrps_after (before: $vrps_before)"
  claim "no VRP was lost ($vrps_after served, $vrps_before before)" [ "$vrps_after" -ge "$vrps_before" ]
  echo "\$ RTR Reset Query to $RTR (RFC 8210 version 1)"
  rtr=$(rtr_dump "$RTR")
  echo "RTR: $(printf '%s\n' "$rtr" | head -1) prefix PDUs before End of Data"
  claim "a router gets $ROA_PREFIX $ROA_ASN over RTR" grep -qx "$ROA_ASN,$ROA_PREFIX" <<<"$rtr"
  claim "a router gets the customer's $SUB $CUSTOMER_ASN over RTR" grep -qx "$CUSTOMER_ASN,$SUB" <<<"$rtr"

  if [ "$RUN" = lost ]; then
    step "[lost] What freezes: the registry's unallocated space"
    claim "$FREE still belongs to the registry, which can no longer sign" [ "$(holder_of "$FREE")" = "$REGISTRY" ]
    built "$NL" tx delegate "$FREE" --to "$KEYS/newcomer.key" --key "$KEYS/holder.key" --node "$URL" --out "$WORK/f1.tx" &&
      refused "a holder cannot allocate the registry's free space $FREE" "holds no holding containing" "$NL" tx submit "$WORK/f1.tx" --node "$URL"
    rm -f "$KEYS/iana.key"
    built "$NL" import key --keystore "$WORK/ks.lost" --org iana --out "$KEYS/iana.key" --no-passphrase &&
      built "$NL" tx delegate "$FREE" --to "$KEYS/newcomer.key" --key "$KEYS/iana.key" --node "$URL" --out "$WORK/f2.tx" &&
      refused "IANA, holder of the root above the registry, cannot allocate it either" "overlaps holding" "$NL" tx submit "$WORK/f2.tx" --node "$URL"
    built "$NL" tx delegate "$FREE" --to "$KEYS/customer2.key" --key "$KEYS/newcomer.key" --node "$URL" --out "$WORK/f3.tx" &&
      refused "a newcomer cannot claim it" "holds no holding containing" "$NL" tx submit "$WORK/f3.tx" --node "$URL"
    claim "the registry's space already allocated ($FREE_BEFORE) stays with its holder" \
      [ "$(holder_of "$FREE_BEFORE")" = "$(account_of_key "$KEYS/newcomer.key")" ]
    mv "$WORK/ks.lost" "$WORK/ks"
    mv "$WORK/registry.key.lost" "$KEYS/registry.key"
  else
    step "[stolen] What evidence remains"
    local hist
    hist=$("$NL" history "$FREE" --node "$URL" --json)
    printf '%s\n' "$hist" | jq -c '.' | cut -c1-600
    claim "the history of $FREE shows the delegation signed by the registry's account" \
      grep -q "$REGISTRY" <<<"$hist"
    show "$NL" proof get "$FREE" --node "$URL" --out "$WORK/grab.proof" >/dev/null
    verified=$("$NL" proof verify "$WORK/grab.proof" --genesis "$WORK/genesis.json" --json)
    printf '%s\n' "$verified" | jq -c '{valid, custody, parts: [.parts[] | {range, holder}]}'
    claim "a proof of $FREE carries the attacker's hop, signed with the registry's key" \
      [ "$(printf '%s' "$verified" | jq -r '.custody.hops')" -ge 1 ]
    local acct
    acct=$("$NL" query account "$REGISTRY" --node "$URL" --json)
    printf '%s\n' "$acct" | jq -c '{current_key, key_history}'
    claim "the registry account's key history shows the rotation to the attacker's key" \
      [ "$(printf '%s' "$acct" | jq -r '.current_key')" = "$("$NL" key show --public-key "$KEYS/attacker.key" | tail -1)" ]
  fi
  "$NL" testnet stop --dir "$NET" >/dev/null 2>&1
}

run_shock lost
run_shock stolen

printf '\n'
if [ ${#FAILED[@]} -eq 0 ]; then
  echo "scenario-registry-shock: every claim holds (runs: lost, stolen)"
  exit 0
fi
echo "scenario-registry-shock: ${#FAILED[@]} claim(s) FAILED:"
for f in "${FAILED[@]}"; do echo "  - $f"; done
exit 1
