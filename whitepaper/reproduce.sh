#!/usr/bin/env bash
# Runs the benchmarks and commands behind the whitepaper's tables and writes
# their output to one results file, with the machine, the date and the commit;
# then draws the figures (whitepaper/figures.py) and builds the PDF.
#
#   whitepaper/reproduce.sh [--quick] [--out DIR] [--build DIR] [--data DIR]
#                           [--only STEP[,STEP...]] [--no-pdf] [--list]
#
#   --quick   small sizes and repeats: under 10 minutes on 2 shared cores
#   --out     where results.md, results.json, raw/, figures/ and the PDF go
#             (default bench-out/reproduce-<date>)
#   --build   the CMake build tree with the bench and tool targets (default build)
#   --data    the real registry files (default ../shared/data)
#   --only    run these steps only (see --list)
#
# The full run (not yet timed as a whole; bench_scale at scale 1 is its
# longest step) wants the machine to itself; its sizes are those of
# whitepaper/results.md. NL_REPRODUCE_TINY=1 (or the unlisted
# --tiny) runs the few fast steps at toy sizes, for the CTest test
# `study_reproduce` that keeps this script from rotting.
#
# A step is a function `step_NAME` that calls `run NAME "title" command...`
# once per command; adding one is a function and a line in STEPS.
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
MODE=full OUT="" BUILD="$ROOT/build" DATA="$ROOT/../shared/data" ONLY="" PDF=1 SHOWN=""
[[ "${NL_REPRODUCE_TINY:-}" == 1 ]] && MODE=tiny
while (($#)); do
  case "$1" in
    --quick) MODE=quick ;;
    --tiny) MODE=tiny ;;
    --out) OUT=$2; shift ;;
    --build) BUILD=$2; shift ;;
    --data) DATA=$2; shift ;;
    --only) ONLY=$2; shift ;;
    --no-pdf) PDF=0 ;;
    --list) LIST=1 ;;
    -h|--help) sed -n '2,23p' "$0"; exit 0 ;;
    *) echo "reproduce.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done

# The steps, in order. Each is one function below.
STEPS=(
  machine            # CPU, cores, RAM, OS, compiler, commit, date
  data_checksums     # SHA-256 of every file in --data
  ledger             # results.md "Ledger", "Proofs of control" (first table)
  proofs             # results.md "Proofs v4"
  state_commitment   # results.md "State commitment"
  state_tree_disk    # results.md "Registry scale": the state tree on disk against in memory
  consensus          # results.md "Consensus"; consensus.md "Results"
  consensus_faults   # consensus.md: the fault runs and the split attack
  whole_node         # results.md "Whole-node simulation"
  testnet            # results.md "Testnet"; network.md "Testnet results"
  node_http          # results.md "Ledger" (the HTTP path)
  netns              # results.md "Testnets in network namespaces" (root)
  history            # results.md "History pages"
  hostile            # results.md "Under attack"; security.md
  scale              # results.md "Registry scale"
  scale_testnet      # results.md "Registry scale": a 4-validator testnet on that state, the holders' own transactions
  data_quality       # institutional-data.md "Data quality across every file"
  import_cost        # results.md "Institutional data"; institutional-data.md "Cost"
  imported_node      # the same: numledgerd on that genesis, RDAP and whois per request, RSS, disk
  registry_shock     # governance.md: the registry's key lost, then stolen, on AFRINIC 2024 (51 claims)
  replay             # study-replay.md: real RIR change through a 4-validator testnet
  roa_to_router      # study-roa-to-router.md: an authorize until a real BIRD 2's ROA table holds it
  figures            # whitepaper/figures.py: the PNGs from raw/
  pdf                # pandoc + headless Chromium: the whole whitepaper as one PDF
)
# --tiny: what the CTest test runs (well under 120 s).
TINY_STEPS=(machine data_checksums proofs consensus testnet data_quality import_cost imported_node figures)

if [[ -n "${LIST:-}" ]]; then printf '%s\n' "${STEPS[@]}"; exit 0; fi

# Absolute paths: steps run from the repository's root.
[[ -d "$BUILD" ]] && BUILD=$(cd "$BUILD" && pwd)
[[ -d "$DATA" ]] && DATA=$(cd "$DATA" && pwd)

# pick FULL QUICK TINY: the value for this mode.
pick() { case $MODE in full) echo "$1" ;; quick) echo "$2" ;; tiny) echo "$3" ;; esac; }

[[ -z "$OUT" ]] && OUT="$ROOT/bench-out/reproduce-$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$OUT/raw" "$OUT/samples" "$OUT/figures"
OUT=$(cd "$OUT" && pwd)
RESULTS="$OUT/results.md"
STEPLOG="$OUT/steps.tsv"   # name, status, seconds, command: figures.py reads it
: >"$STEPLOG"
FAILED=0

# run NAME TITLE CMD...: runs CMD in the repository, its output into
# raw/NAME.txt and, under "## TITLE", into the results file. SHOWN, when
# set, is the command as the results file shows it (for a shell function).
run() {
  local name=$1 title=$2; shift 2
  local raw="$OUT/raw/$name.txt" t0 t1 rc shown="${SHOWN:-$*}"
  SHOWN=""
  echo "==> $name: $shown" >&2
  t0=$(date +%s.%N)
  (cd "$ROOT" && "$@") >"$raw" 2>&1
  rc=$?
  t1=$(date +%s.%N)
  local secs; secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')
  {
    echo
    echo "## $title"
    echo
    echo "Command: \`$shown\`  "
    echo "Exit status $rc, $secs s."
    echo
    echo '```text'
    cat "$raw"
    echo '```'
  } >>"$RESULTS"
  printf '%s\t%s\t%s\t%s\n' "$name" "$rc" "$secs" "$shown" >>"$STEPLOG"
  if ((rc != 0)); then FAILED=$((FAILED + 1)); echo "    $name: exit $rc (raw/$name.txt)" >&2; fi
  return 0
}

# skip NAME TITLE WHY: a step that cannot run here says so in the results.
skip() {
  printf '\n## %s\n\nSkipped: %s\n' "$2" "$3" >>"$RESULTS"
  printf '%s\tskipped\t0\t%s\n' "$1" "$3" >>"$STEPLOG"
  echo "==> $1: skipped ($3)" >&2
}

# expect_exit CODE CMD...: succeeds when CMD exits with CODE.
expect_exit() {
  local want=$1 rc; shift
  "$@"; rc=$?
  echo "(exit status $rc; $want expected)"
  ((rc == want))
}

need() {  # need BINARY...: the build targets this step runs, or it is skipped
  local b
  for b in "$@"; do
    [[ -x "$BUILD/$b" ]] || { skip "$CUR_STEP" "$CUR_STEP" "missing $BUILD/$b (cmake --build $BUILD --target $b)"; return 1; }
  done
}

step_machine() {
  local cpu mem commit dirty
  cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
  mem=$(awk '/^MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)
  commit=$(git -C "$ROOT" rev-parse HEAD 2>/dev/null || echo unknown)
  dirty=$(git -C "$ROOT" status --porcelain 2>/dev/null | grep -qv '^??' && echo " (with uncommitted changes)")
  {
    echo "# numledger: reproduced figures"
    echo
    echo "| | |"
    echo "|---|---|"
    echo "| date (UTC) | $(date -u '+%Y-%m-%d %H:%M:%S') |"
    echo "| commit | \`$commit\`$dirty |"
    echo "| mode | $MODE |"
    echo "| CPU | $cpu |"
    echo "| cores | $(nproc) |"
    echo "| RAM | $mem |"
    echo "| OS | $(. /etc/os-release 2>/dev/null && echo "$PRETTY_NAME") |"
    echo "| kernel | $(uname -r) |"
    echo "| compiler | $(c++ --version 2>/dev/null | head -1) |"
    echo "| build | \`$BUILD\` ($(awk -F= '/^CMAKE_BUILD_TYPE/ { print $2 }' "$BUILD/CMakeCache.txt" 2>/dev/null)) |"
    echo "| load at start | $(cut -d' ' -f1-3 /proc/loadavg) |"
    echo
    echo "Each section below is one command: what it printed, verbatim. The"
    echo "whitepaper's tables (whitepaper/results.md) name the same commands at"
    echo "full size; --quick runs them smaller, so compare ratios, not absolutes."
  } >"$RESULTS"
  printf 'machine\t0\t0\tmachine\n' >>"$STEPLOG"
}

step_data_checksums() {
  if ! compgen -G "$DATA/*" >/dev/null; then skip data_checksums "Data files" "no files in $DATA"; return; fi
  SHOWN="cd DATA && sha256sum -- * | sort -k2"
  run data_checksums "Data files (SHA-256)" bash -c 'cd "$1" && sha256sum -- * | sort -k2' _ "$DATA"
}

step_ledger() {
  need bench_ledger || return
  run ledger "Ledger and proofs of control (bench_ledger)" "$BUILD/bench_ledger" $(pick "" --quick --quick)
}

step_proofs() {
  need bench_proofs || return
  run proofs "Proofs of control v4 (bench_proofs)" "$BUILD/bench_proofs" --runs "$(pick 200 50 3)" --data "$DATA"
}

step_state_commitment() {
  need bench_state_commitment || return
  run state_commitment "State commitment (bench_state_commitment)" "$BUILD/bench_state_commitment"
}

step_state_tree_disk() {
  need bench_state_tree_disk || return
  run state_tree_disk "State tree on disk (bench_state_tree_disk)" "$BUILD/bench_state_tree_disk" \
    --entries "$(pick 2200000 220000 20000)" --blocks "$(pick 9 5 3)"
}

step_consensus() {
  need bench_consensus || return
  run consensus "Consensus (bench_consensus)" "$BUILD/bench_consensus" $(pick "" --quick --quick)
}

step_consensus_faults() {
  need numledger || return
  local seeds; seeds=$(pick 200 50 3)
  local n f
  for n in 4 7; do
    for ((f = 0; f <= (n - 1) / 3; f++)); do
      run "consensus_faults_n${n}_f${f}" "Consensus fault runs, N = $n, F = $f" \
        "$BUILD/numledger" sim consensus --validators "$n" --byzantine "$f" --seeds "$seeds" --heights 10 \
        --drop 0.1 --partition --crash
    done
  done
  # The split attack is meant to break safety: the simulator exits 1 when
  # its checker finds the fork, which is the result wanted here.
  SHOWN="numledger sim consensus --validators 4 --byzantine 2 --attack split --seeds $(pick 20 10 2) --heights 10 (exit 1 expected)"
  run consensus_split "Consensus: the split attack, N = 4, F = 2" \
    expect_exit 1 "$BUILD/numledger" sim consensus --validators 4 --byzantine 2 --attack split --seeds "$(pick 20 10 2)" --heights 10
}

step_whole_node() {
  need numledger || return
  run whole_node "Whole-node simulation (numledger sim whole-node --sweep)" \
    "$BUILD/numledger" sim whole-node --sweep --seeds "$(pick 50 10 1)"
}

step_testnet() {
  need bench_testnet numledger numledgerd || return
  : >"$OUT/samples/testnet.txt"
  # NL_BENCH_SAMPLES: every paced and light submit->commit latency, for the CDF.
  run testnet "Testnet, 4 validators on loopback (bench_testnet)" \
    env NL_BENCH_SAMPLES="$OUT/samples/testnet.txt" "$BUILD/bench_testnet" \
    --repeats "$(pick 3 1 1)" --txs "$(pick 20000 8000 200)" --submitters "$(pick 32 16 4)" \
    --empty-seconds "$(pick 10 3 1)" --paced-seconds "$(pick 10 5 1)"
}

step_node_http() {
  need bench_node_http || return
  run node_http "Node HTTP path (bench_node_http)" "$BUILD/bench_node_http" "$(pick 20000 5000 200)"
}

step_netns() {
  need bench_netns numledger numledgerd || return
  if [[ $(id -u) -ne 0 ]]; then skip netns "Testnets in network namespaces" "needs root (sudo)"; return; fi
  run netns "Testnets in network namespaces (bench_netns)" "$BUILD/bench_netns" \
    --validators "$(pick 4,7,16 4,7,16 4)" --rtt "$(pick 0,50,100 0,100 0)" \
    --txs "$(pick 2000 1000 100)" --light "$(pick 10 5 2)"
}

step_history() {
  need bench_history || return
  run history "History pages (bench_history)" "$BUILD/bench_history" \
    --txs "$(pick 100000 20000 1000)" --queries "$(pick 1000 200 10)"
}

step_hostile() {
  need bench_hostile numledger numledgerd || return
  run hostile "Under attack (bench_hostile)" "$BUILD/bench_hostile" \
    --seconds "$(pick 20 10 2)" --rate "$(pick 1000 500 100)" --repeats "$(pick 3 1 1)"
}

# The replay of real change: each pair through a 4-validator testnet; the
# ledger's size before and after each, for the growth figure.
replay_pair() {  # replay_pair LABEL OLD NEW
  local label=$1 json="$OUT/raw/replay-$1.json"
  "$BUILD/bench_replay" --old "$DATA/$2" --new "$DATA/$3" --iana-ipv4 "$DATA/iana-ipv4-address-space.csv" \
    --iana-ipv6 "$DATA/iana-ipv6-unicast-address-assignments.csv" --json >"$json" || return 1
  jq -r --arg l "$label" '"\($l): \(.committed) transactions, submit to commit p50 \(.submit_to_commit.p50_ms | floor) ms, p99 \(.submit_to_commit.p99_ms | floor) ms, \(.blocks) blocks, \(.disk_growth_bytes_per_tx | floor) bytes of disk per transaction, export equals NEW: \(if .export_equals_new then "yes" else "no" end)"' "$json"
  jq -r --arg l "$1" '"\($l) \(.change.old_date[0:4])-\(.change.old_date[4:6])-\(.change.old_date[6:8]) \(.disk_bytes_before)\n\($l) \(.change.new_date[0:4])-\(.change.new_date[4:6])-\(.change.new_date[6:8]) \(.disk_bytes_after)"' \
    "$json" >>"$OUT/samples/ledger-growth.tsv"
  jq -e .export_equals_new "$json" >/dev/null
}

replay_all() {
  : >"$OUT/samples/ledger-growth.tsv"
  local rc=0
  replay_pair AFRINIC-2023-2024 delegated-afrinic-extended-20230323 delegated-afrinic-extended-20240105 || rc=1
  [[ $MODE == quick ]] && return $rc
  replay_pair AFRINIC-2016-2023 delegated-afrinic-extended-20160130 delegated-afrinic-extended-20230323 || rc=1
  replay_pair LACNIC-2016-2024 delegated-lacnic-extended-20160129 delegated-lacnic-extended-20240104 || rc=1
  return $rc
}

step_replay() {
  need bench_replay numledger numledgerd || return
  SHOWN="build/bench_replay --old OLD --new NEW --iana-ipv4 ... --iana-ipv6 ... --json, for each pair" \
    run replay "Real change through a real testnet (bench_replay)" replay_all
}

# A holder's authorize until BIRD's table holds it: the samples of the
# notify-driven run go to the latency CDF.
roa_to_router_run() {
  local json="$OUT/raw/roa_to_router.json"
  "$BUILD/bench_roa_to_router" --authorizations "$(pick 100 30 5)" --json >"$json" || return 1
  jq -r '.summary' "$json"
  jq -r '.samples[] | "bird-notify \(.total_ms / 1000)"' "$json" >"$OUT/samples/roa_to_router.txt"
}

step_roa_to_router() {
  need bench_roa_to_router numledger numledgerd || return
  command -v bird >/dev/null || { skip roa_to_router roa_to_router "bird is not installed (scripts/install-deps.sh)"; return; }
  SHOWN="build/bench_roa_to_router --authorizations $(pick 100 30 5) --json" \
    run roa_to_router "ROA to router with a real BIRD 2 (bench_roa_to_router)" roa_to_router_run
}

step_scale() {
  need bench_scale gen_registry_data numledger numledgerd || return
  run scale "Registry scale (bench_scale)" "$BUILD/bench_scale" \
    --scales "$(pick 0.1,0.5,1 0.1 0.005)" --queries "$(pick 2000 500 20)" --data "$DATA" \
    $(pick "" --no-state-sync --no-state-sync)
}

# The generated registry imported, a 4-validator testnet on it, and the
# holders' own transactions through POST /api/v1/txs; then the same load on
# a small imported genesis (scale 0.001), back to back, to compare.
step_scale_testnet() {
  need bench_testnet numledger numledgerd || return
  local s
  for s in $(pick "1 0.001" "0.1 0.001" "0.001"); do
    run "scale_testnet_$s" "Testnet on the registry at scale $s (bench_testnet --scale)" "$BUILD/bench_testnet" \
      --scale "$s" --data "$DATA" --txs "$(pick 20000 8000 300)" --accounts "$(pick 1000 1000 30)" \
      --repeats "$(pick 3 1 1)" --paced-seconds "$(pick 10 5 1)"
  done
}

step_data_quality() {
  need numledger || return
  run data_quality "Data quality across every file (scripts/data-quality.py)" \
    /usr/bin/python3 scripts/data-quality.py --build "$BUILD" --data "$DATA"
}

# import_rir_timed DIR VALIDATOR: the import, timed, and its report's figures.
import_rir_timed() {
  local d=$DATA
  TIMEFORMAT="wall %R s, user %U s, system %S s"
  time "$BUILD/numledger" import rir "$d/delegated-afrinic-extended-20240105" "$d/delegated-lacnic-extended-20240104" \
    --iana-ipv4 "$d/iana-ipv4-address-space.csv" --iana-ipv6 "$d/iana-ipv6-unicast-address-assignments.csv" \
    --vrps "$d/vrps-afrinic-20240101.json" --chain-id rir-test --validator "$2" --out "$1/genesis.json" \
    --keystore "$1/ks" --no-passphrase --json >"$1/report.json" || return 1
  /usr/bin/python3 - "$1/report.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
for k in ("holdings", "authorizations", "accounts", "peak_rss_kib"):
    print(k, r.get(k))
print("genesis bytes", r["genesis"]["bytes"])
print("seconds", json.dumps(r["seconds"]))
print("inconsistencies", len(r.get("inconsistencies", [])))
PY
}

# The import of institutional-data.md's "Cost" (AFRINIC 2024 + LACNIC 2024
# + IANA's CSVs + VRPs), timed by bash's `time`.
step_import_cost() {
  need numledger || return
  local f
  for f in delegated-afrinic-extended-20240105 delegated-lacnic-extended-20240104 iana-ipv4-address-space.csv \
           iana-ipv6-unicast-address-assignments.csv vrps-afrinic-20240101.json; do
    [[ -f "$DATA/$f" ]] || { skip import_cost "Institutional data import" "$DATA/$f missing"; return; }
  done
  local tmp="$OUT/import" validator
  rm -rf "$tmp" && mkdir -p "$tmp"
  validator=$("$BUILD/numledger" key new --no-passphrase --out "$tmp/validator.key") ||
    { skip import_cost "Institutional data import" "numledger key new failed"; return; }
  SHOWN="time numledger import rir DATA/delegated-afrinic-extended-20240105 DATA/delegated-lacnic-extended-20240104 --iana-ipv4 DATA/iana-ipv4-address-space.csv --iana-ipv6 DATA/iana-ipv6-unicast-address-assignments.csv --vrps DATA/vrps-afrinic-20240101.json --chain-id rir-test --validator ACCOUNT --out genesis.json --keystore ks --no-passphrase --json"
  run import_cost "Institutional data: import of AFRINIC + LACNIC + IANA CSVs + VRPs (numledger import rir)" \
    import_rir_timed "$tmp" "$validator"
}

step_imported_node() {
  need numledgerd || return
  [[ -f "$OUT/import/genesis.json" ]] || { skip imported_node "numledgerd on the imported genesis" "no import (step import_cost)"; return; }
  run imported_node "numledgerd on the imported genesis: start, RDAP, whois, RSS, disk" \
    bash whitepaper/imported-node.sh "$BUILD" "$OUT/import/genesis.json" "$OUT/import/validator.key" "$(pick 200 100 20)"
}

step_registry_shock() {
  need numledger numledgerd || return
  run registry_shock "A registry shock on real data (scripts/scenario-registry-shock.sh)" \
    scripts/scenario-registry-shock.sh --build "$BUILD" --data "$DATA"
}

step_figures() {
  run figures "Figures (whitepaper/figures.py)" /usr/bin/python3 whitepaper/figures.py --out "$OUT"
}

# The whole whitepaper as one PDF: pandoc to standalone HTML, then headless
# Chromium prints it (a LaTeX install would be far larger).
step_pdf() {
  if ((PDF == 0)) || [[ $MODE == tiny ]]; then skip pdf "PDF" "--no-pdf or --tiny"; return; fi
  command -v pandoc >/dev/null && [[ -x /usr/bin/chromium ]] ||
    { skip pdf "PDF" "needs pandoc and chromium (scripts/install-deps.sh)"; return; }
  run pdf "PDF of the whitepaper" bash whitepaper/build-pdf.sh "$OUT"
}

selected() { [[ -z "$ONLY" ]] || [[ ",$ONLY," == *",$1,"* ]]; }

list=("${STEPS[@]}")
[[ $MODE == tiny ]] && list=("${TINY_STEPS[@]}")
for s in "${list[@]}"; do
  if [[ $s == machine ]] || selected "$s"; then
    CUR_STEP=$s
    "step_$s"
  fi
done

echo "results: $RESULTS ($FAILED step(s) failed)" >&2
((FAILED == 0))
