// Ledger benchmarks (not a test). Prints:
//  - raw Ed25519 verifications per second, one core (libsodium)
//  - transactions applied per second by the registry in memory
//  - the same through the node's commit path: signature checks on 2
//    threads, the mempool, blocks of up to 10,000 proposed and committed
//    with RocksDB and one synced batch per block
//  - the ratio of the node figure to raw single-core verification
//  - proof-of-control size and verification time at 100k and 1M holdings
// Run: build/bench_ledger [--quick]
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <random>
#include <thread>

#include "bench/bench_usage.h"
#include "ledger/chain.h"
#include "ledger/control_proof.h"
#include "ledger/genesis.h"
#include "ledger/registry.h"
#include "node/driver/mempool.h"

using namespace nl;
using namespace nl::ledger;
using Clock = std::chrono::steady_clock;

namespace {

double seconds_since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

crypto::SecretKey key(uint8_t fill) {
  std::array<uint8_t, 32> seed;
  seed.fill(fill);
  return crypto::SecretKey::from_seed(seed);
}

// Delegations of consecutive /prefix_len blocks of 10.0.0.0/8 from the root
// to a few accounts, signer nonces 1..n.
std::vector<Transaction> delegations(const std::string& chain, const crypto::Hash32& genesis,
                                     const crypto::SecretKey& root, size_t n, int prefix_len, bool sign) {
  std::vector<Transaction> txs;
  txs.reserve(n);
  u128 base = Resource::parse("10.0.0.0/8")->first;
  u128 size = u128(1) << (32 - prefix_len);
  for (size_t i = 0; i < n; ++i) {
    Transaction tx;
    tx.chain_id = chain;
    tx.genesis_hash = genesis;
    tx.signer = AccountId{root.public_key()};
    tx.nonce = i + 1;
    Resource r{Family::ipv4, base + u128(i) * size, base + u128(i + 1) * size - 1};
    tx.body = DelegateBody{r, AccountId{key(static_cast<uint8_t>(10 + i % 8)).public_key()},
                           HoldingKind::allocation, 0};
    if (sign)
      tx.sign(root);
    else
      tx.signatures.push_back({root.public_key(), crypto::Signature{}});  // setup only; never verified
    txs.push_back(std::move(tx));
  }
  return txs;
}

Genesis make_genesis(const crypto::SecretKey& validator, const crypto::SecretKey& root) {
  Genesis g;
  g.chain_id = "bench";
  g.genesis_time = 1700000000;
  g.validators.validators.push_back({validator.public_key(), 1});
  g.roots.push_back({Resource::parse("10.0.0.0/8").value(), AccountId{root.public_key()}, {}});
  return g;
}

std::string temp_dir(const char* stem) {
  auto p = std::filesystem::temp_directory_path() / (std::string(stem) + "-" + std::to_string(std::random_device{}()));
  std::filesystem::remove_all(p);
  return p.string();
}

double bench_raw_verify(size_t n) {
  auto k = key(1);
  std::vector<uint8_t> msg(200, 7);
  auto sig = k.sign(msg);
  auto t = Clock::now();
  size_t ok = 0;
  for (size_t i = 0; i < n; ++i) ok += crypto::verify(k.public_key(), msg, sig);
  double s = seconds_since(t);
  if (ok != n) std::fprintf(stderr, "verification failed?\n");
  return n / s;
}

double bench_registry(const std::vector<Transaction>& txs, SignatureCheck check) {
  Registry reg("bench", txs[0].genesis_hash);
  (void)reg.add_root(Resource::parse("10.0.0.0/8").value(), txs[0].signer, {});
  auto t = Clock::now();
  BlockContext ctx{1, 1700000000};
  for (const auto& tx : txs)
    if (auto s = reg.apply(tx, ctx, check); !s) {
      std::fprintf(stderr, "unexpected rejection: %s\n", s.error().c_str());
      return 0;
    }
  return txs.size() / seconds_since(t);
}

// The node's path: the API checks signatures on its two I/O threads, the
// producer applies and commits blocks of up to 10,000 in synced batches.
double bench_node(const std::vector<Transaction>& txs, const crypto::SecretKey& validator,
                  const crypto::SecretKey& root, size_t* blocks) {
  std::string dir = temp_dir("nl-bench-node");
  const Genesis g = make_genesis(validator, root);
  auto chain = Chain::open(dir, g);
  if (!chain) {
    std::fprintf(stderr, "%s\n", chain.error().c_str());
    return 0;
  }
  node::MempoolOptions opts;
  opts.capacity = txs.size() + 1;
  opts.max_bytes = SIZE_MAX;
  opts.max_per_account = txs.size();  // one signer sends them all
  node::Mempool pool(opts);
  std::atomic<size_t> committed{0};
  auto t = Clock::now();
  std::vector<std::thread> workers;
  std::atomic<size_t> next{0};
  for (int w = 0; w < 2; ++w)
    workers.emplace_back([&] {
      for (size_t i; (i = next.fetch_add(1)) < txs.size();) {
        if (!txs[i].check_signatures()) std::abort();
      }
    });
  for (auto& w : workers) w.join();
  for (const auto& tx : txs)
    pool.add(tx, [&](node::SubmitResult r) {
      if (r.outcome == node::SubmitResult::Outcome::committed) ++committed;
    });
  *blocks = 0;
  uint64_t time = 1700000001;
  while (pool.size() > 0) {
    auto p = (*chain)->propose(pool.select(kMaxBlockTxs, SIZE_MAX), time++, validator.public_key(),
                               SignatureCheck::already_verified);
    CommitCertificate cert{p.block.header.height, 0, p.block.header.hash(), {}};
    cert.votes.push_back({validator.public_key(),
                          validator.sign(vote_sign_bytes(g.hash(), cert.height, 0, VoteType::precommit, cert.block_hash))});
    if (auto st = (*chain)->commit(p, cert); !st) {
      std::fprintf(stderr, "commit failed: %s\n", st.error().c_str());
      break;
    }
    pool.remove_committed(p.block);
    ++*blocks;
  }
  double s = seconds_since(t);
  if (committed != txs.size()) {  // a figure over fewer transactions would be false
    std::fprintf(stderr, "bench_ledger: only %zu of %zu committed\n", committed.load(), txs.size());
    std::exit(1);
  }
  chain->reset();
  std::filesystem::remove_all(dir);
  return txs.size() / s;
}

void bench_proofs(size_t holdings, const crypto::SecretKey& validator, const crypto::SecretKey& root) {
  std::string dir = temp_dir("nl-bench-proof");
  Genesis g = make_genesis(validator, root);
  auto chain = Chain::open(dir, g);
  if (!chain) return (void)std::fprintf(stderr, "%s\n", chain.error().c_str());
  auto t = Clock::now();
  // /28s: 2^20 of them fill 10.0.0.0/8, so a million holdings fit.
  auto txs = delegations("bench", g.hash(), root, holdings, 28, false);
  for (size_t off = 0; off < txs.size(); off += kMaxBlockTxs) {
    std::vector<Transaction> part(txs.begin() + off, txs.begin() + std::min(txs.size(), off + kMaxBlockTxs));
    auto p = (*chain)->propose(part, g.genesis_time + 1, validator.public_key(), SignatureCheck::already_verified);
    CommitCertificate cert{p.block.header.height, 0, p.block.header.hash(), {}};
    cert.votes.push_back({validator.public_key(),
                          validator.sign(vote_sign_bytes(g.hash(), cert.height, 0, VoteType::precommit, cert.block_hash))});
    if (auto s = (*chain)->commit(p, cert); !s) return (void)std::fprintf(stderr, "%s\n", s.error().c_str());
  }
  double build = seconds_since(t);
  std::mt19937_64 rng(42);
  std::vector<double> sizes, times_us;
  for (int i = 0; i < 200; ++i) {
    const auto& r = std::get<DelegateBody>(txs[rng() % txs.size()].body).range;
    auto proof = (*chain)->prove_control(r);
    if (!proof) return (void)std::fprintf(stderr, "%s\n", proof.error().c_str());
    Bytes file = proof->encode();
    sizes.push_back(static_cast<double>(file.size()));
    auto t0 = Clock::now();
    auto decoded = ControlProof::decode(file);
    auto ans = verify_control_proof(*decoded, g);
    times_us.push_back(seconds_since(t0) * 1e6);
    if (!ans) return (void)std::fprintf(stderr, "proof failed: %s\n", ans.error().c_str());
  }
  size_t sig_bytes = 1 * (32 + 64);  // one validator's precommit in the certificate
  std::printf("proof of control at %8zu holdings: median %.0f bytes (%.0f without the certificate's signatures), "
              "verify median %.0f us  [ledger built in %.1f s]\n",
              holdings, median(sizes), median(sizes) - sig_bytes, median(times_us), build);
  chain->reset();
  std::filesystem::remove_all(dir);
}

}  // namespace

int main(int argc, char** argv) {
  constexpr const char* kUsage =
      "usage: bench_ledger [--quick]\n"
      "  Raw Ed25519 verifications/s, registry apply rate, the node commit path with RocksDB, and proof size\n"
      "  and verification time at 100k and 1M holdings. --quick uses smaller workloads.\n";
  bench::handle_help(argc, argv, kUsage);
  if (argc > 2 || (argc == 2 && std::strcmp(argv[1], "--quick") != 0)) bench::usage_error("unknown argument", kUsage);
  bool quick = argc > 1;
  crypto::init();
  auto validator = key(100), root = key(101);
  unsigned cores = std::thread::hardware_concurrency();
  std::printf("numledger ledger benchmark (%u cores; medians of 5 runs where noted)\n", cores);

  std::vector<double> raw;
  for (int i = 0; i < 5; ++i) raw.push_back(bench_raw_verify(quick ? 5000 : 20000));
  double raw_verify = median(raw);
  std::printf("raw Ed25519 verify, 1 core:                %9.0f /s\n", raw_verify);

  size_t n = quick ? 5000 : 20000;
  auto txs = delegations("bench", make_genesis(validator, root).hash(), root, n, 24, true);
  std::vector<double> with_sig, rules_only, node_path;
  size_t blocks = 0;
  for (int i = 0; i < 5; ++i) {
    with_sig.push_back(bench_registry(txs, SignatureCheck::verify));
    rules_only.push_back(bench_registry(txs, SignatureCheck::already_verified));
    node_path.push_back(bench_node(txs, validator, root, &blocks));
  }
  std::printf("registry apply in memory, with sig check:  %9.0f tx/s (1 core)\n", median(with_sig));
  std::printf("registry apply in memory, rules only:      %9.0f tx/s\n", median(rules_only));
  std::printf("through the node (2-thread sig check, RocksDB, %zu synced blocks): %9.0f tx/s\n", blocks,
              median(node_path));
  std::printf("ratio node / raw single-core verify:       %9.2f  (target >= 0.50)\n", median(node_path) / raw_verify);

  bench_proofs(100000, validator, root);
  if (!quick) bench_proofs(1000000, validator, root);
  return 0;
}
