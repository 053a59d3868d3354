#!/usr/bin/env bash
# Starts numledgerd on an existing home (or an empty one: a first start),
# waits until /api/v1/status answers, waits SECONDS more, prints the time to
# the answer and the RSS and peak RSS, and stops it with SIGTERM. The by-hand
# restart and first-start figures of whitepaper/results.md ("Authorizations
# on disk, and a heap of huge pages") come from it, alternating binaries.
# usage: bench/start_until_api.sh NUMLEDGERD HOME GENESIS VALIDATOR_KEY [SECONDS]   (needs curl)
set -euo pipefail
if [ $# -lt 4 ] || [ "${1:-}" = --help ]; then
  sed -n '2,7p' "$0" | sed 's/^# \{0,1\}//'
  [ "${1:-}" = --help ] && exit 0 || exit 2
fi
bin=$1 home=$2 genesis=$3 key=$4 secs=${5:-2}
port=$((20000 + RANDOM % 10000))
start=$(date +%s.%N)
"$bin" --home "$home" --genesis "$genesis" --validator-key "$key" --listen "127.0.0.1:$port" \
  --block-interval 1 > "$home.log" 2>&1 &
pid=$!
trap 'kill -TERM $pid 2>/dev/null || true' EXIT
until curl -sf "http://127.0.0.1:$port/api/v1/status" > /dev/null; do
  kill -0 $pid 2>/dev/null || { echo "numledgerd exited; see $home.log" >&2; exit 1; }
  sleep 0.05
done
up=$(date +%s.%N)
sleep "$secs"
rss=$(awk '/VmRSS/ {print int($2/1024)}' /proc/$pid/status)
hwm=$(awk '/VmHWM/ {print int($2/1024)}' /proc/$pid/status)
awk -v a="$start" -v b="$up" -v r="$rss" -v h="$hwm" 'BEGIN { printf "up after %.2f s; RSS %s MiB; peak %s MiB\n", b - a, r, h }'
trap - EXIT
kill -TERM $pid
wait $pid
