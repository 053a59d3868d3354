#!/usr/bin/env bash
# Installs the Debian 12 packages numledger builds against, if missing.
set -euo pipefail
PKGS=(g++ cmake make pkg-config libsodium-dev librocksdb-dev libboost-dev
      nettle-dev          # SHA-256 with the CPU's SHA instructions (crypto/hash.cpp)
      libjemalloc-dev     # the programs' heap allocator (crypto/basics/heap_allocator.h)
      doctest-dev nlohmann-json3-dev libcli11-dev rtr-tools whois
      prometheus-cpp-dev libspdlog-dev  # GET /metrics; the node's log
      prometheus          # the real Prometheus server tests/test_testnet_metrics.cpp scrapes with
      iproute2            # ip: testnet init --netns (namespaces, bridge, veth pairs)
      chromium            # the explorer test drives it headless
      systemd             # systemd-analyze checks packaging/numledgerd.service
      python3-jsonschema  # the RDAP conformance test validates answers against tests/data/rdap-schema
      bird2               # BIRD 2, the real router in tests/test_interop_bird.cpp and bench_roa_to_router
      python3 jq          # scripts/scenario-registry-shock.sh (its RTR query, the node's JSON), scripts/data-quality.py
      clang libclang-rt-14-dev   # clang and libFuzzer: the fuzz targets (scripts/fuzz.sh)
      python3-matplotlib pandoc poppler-utils)  # whitepaper/reproduce.sh: figures, the PDF, checking its pages
missing=()
for p in "${PKGS[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "==> installing: ${missing[*]}"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}"
fi
