#!/usr/bin/env bash
# CTest `study_reproduce`: runs whitepaper/reproduce.sh --tiny and checks what
# it wrote, so that the study's script and figures cannot rot. Checks that
# the results file has the machine, every tiny step with exit status 0 and
# the numbers each step exists for, that results.json parses with them, and
# that the figures are PNG files.
#   tests/tools/check_reproduce.sh --build DIR --data DIR --out DIR
set -uo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BUILD="$ROOT/build" DATA="$ROOT/../shared/data" OUT=""
while (($#)); do
  case "$1" in
    --build) BUILD=$2; shift ;;
    --data) DATA=$2; shift ;;
    --out) OUT=$2; shift ;;
    *) echo "check_reproduce: unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done
[[ -n "$OUT" ]] || OUT="$BUILD/study-reproduce"
rm -rf "$OUT"

fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

"$ROOT/whitepaper/reproduce.sh" --tiny --out "$OUT" --build "$BUILD" --data "$DATA" || fail "reproduce.sh --tiny exited non-zero"
R="$OUT/results.md"
[[ -s "$R" ]] || { echo "FAIL: no $R"; exit 1; }

# The machine, the date and the commit.
for key in "date (UTC)" "commit" "CPU" "cores" "RAM"; do
  grep -q "^| $key | ." "$R" || fail "results.md has no '$key' row"
done

# Each tiny step ran and exited 0.
for step in data_checksums proofs consensus testnet data_quality import_cost imported_node figures; do
  status=$(awk -F'\t' -v s="$step" '$1 == s { print $2 }' "$OUT/steps.tsv")
  [[ "$status" == 0 ]] || fail "step $step: status '${status:-missing}' (raw/$step.txt)"
done

# The numbers each step is for (a pattern per step's raw output).
check() {  # check STEP REGEX WHAT
  grep -Eq "$2" "$OUT/raw/$1.txt" 2>/dev/null || fail "raw/$1.txt has no $3"
}
check data_checksums '^[0-9a-f]{64}  delegated-afrinic-extended-20240105$' "SHA-256 of the AFRINIC file"
check proofs '^ +16 +3 +[0-9]+ +[0-9]+$' "proof size at N = 16, custody depth 3"
check consensus '[0-9]' "figures"
check testnet 'sustained committed tx/s +[0-9]+' "sustained tx/s"
check data_quality '^\| afrinic \| 20240105 \| 15,814 \|' "AFRINIC 2024 row"
check import_cost '^wall [0-9.]+ s' "import wall time"
check imported_node '^API up after [0-9.]+ s' "node start time"
check imported_node '^GET /rdap/ip/41.0.0.1 .* ms each' "RDAP cost"
grep -q "^## Proofs of control v4 (bench_proofs)" "$R" || fail "results.md has no proofs section"
grep -q "^## Testnet, 4 validators on loopback" "$R" || fail "results.md has no testnet section"

# results.json: parsed numbers.
/usr/bin/python3 - "$OUT/results.json" <<'EOF' || fail "results.json lacks the parsed numbers"
import json, sys
r = json.load(open(sys.argv[1]))
assert len(r["proofs"]["by_validators"]) >= 4, "proof sizes by N"
assert any(p["depth"] == 3 for p in r["proofs"]["by_custody_depth"]), "custody depth 3"
assert r["testnet"]["sustained_tx_per_s"] > 0, "sustained tx/s"
EOF

# The figures are PNGs.
for f in latency-cdf proof-size throughput; do
  p="$OUT/figures/$f.png"
  [[ "$(head -c 8 "$p" 2>/dev/null | od -An -tx1 | tr -d ' \n')" == 89504e470d0a1a0a ]] || fail "$p is not a PNG"
done

if ((fails)); then echo "check_reproduce: $fails failure(s); output in $OUT"; exit 1; fi
echo "check_reproduce: every section, number and figure present ($OUT)"
