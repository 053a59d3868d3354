#!/usr/bin/env bash
# The libFuzzer targets of tests/fuzz, in a clang build tree of their own.
#   scripts/fuzz.sh build DIR                  configure with clang, build the targets, write the seeds
#   scripts/fuzz.sh run DIR TARGET SECONDS     run one target (e.g. genesis) over its seeds and corpus
#   scripts/fuzz.sh all DIR SECONDS            build, then run every target for SECONDS each
# Findings (crashing inputs) go to DIR/findings/, new corpus inputs to
# DIR/corpus/TARGET/. Registry files for the seeds come from ../shared/data
# (NL_DATA_DIR overrides). whitepaper/security.md, "Fuzzing", has the release run.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cmd=${1:-}
DIR=${2:-}
[ -n "$cmd" ] && [ -n "$DIR" ] || { sed -n '2,9p' "$0" >&2; exit 2; }
mkdir -p "$DIR"
DIR=$(cd "$DIR" && pwd)

build() {
  local launcher=()
  command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
  CXX=${FUZZ_CXX:-clang++} cmake -S "$ROOT/tests/fuzz" -B "$DIR" "${launcher[@]}" >/dev/null
  cmake --build "$DIR" -j"${JOBS:-$(nproc)}"
  rm -rf "$DIR/seeds"
  "$DIR/fuzz_seeds" "$DIR/seeds" "$ROOT" "${NL_DATA_DIR:-$ROOT/../shared/data}"
}

run() {
  local target=$1 seconds=$2
  local bin="$DIR/fuzz_$target"
  [ -x "$bin" ] || { echo "fuzz.sh: no $bin; run '$0 build $DIR' first" >&2; exit 1; }
  mkdir -p "$DIR/corpus/$target" "$DIR/findings" "$DIR/seeds/$target"
  # Exit status is libFuzzer's: nonzero on a crash, a sanitizer report or a
  # broken round trip; the input is saved under findings/.
  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1} \
    "$bin" -max_total_time="$seconds" -timeout=25 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$DIR/findings/$target-" "$DIR/corpus/$target" "$DIR/seeds/$target"
}

case $cmd in
  build) build ;;
  run) run "${3:?target}" "${4:?seconds}" ;;
  all)
    build
    for src in "$ROOT"/tests/fuzz/fuzz_*.cpp; do
      t=$(basename "$src" .cpp); t=${t#fuzz_}
      [ "$t" = seeds ] && continue
      run "$t" "${3:-60}"
    done ;;
  *) sed -n '2,9p' "$0" >&2; exit 2 ;;
esac
