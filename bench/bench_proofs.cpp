// Proof-of-control size and verify time (issue 15, "Figures"):
//   - against the validator count N (4, 16, 64, 100), no set change;
//   - against validator-set changes (0, 10, 100) at N = 16;
//   - against custody depth (1, 3, 6 hops, each in its own block) at N = 4
//     and 16;
//   - for the AFRINIC designation with the most control segments, on a
//     genesis imported from ../shared/data (AFRINIC 2024 with IANA's CSVs),
//     and for one /24 inside it.
// Each certificate carries the fewest signatures that pass 2/3, as a
// decided block's does. Verify time is the median of decode + verify.
//   build/bench_proofs [--data DIR] [--runs N]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "bench/bench_usage.h"
#include "ledger/chain.h"
#include "ledger/control_proof.h"
#include "ledger/interop/rir_import.h"

using namespace nl;
using namespace nl::ledger;
using Clock = std::chrono::steady_clock;

namespace {

const char* kUsage =
    "usage: bench_proofs [--data DIR] [--runs N]\n"
    "  --data DIR  the shared registry data (default ../shared/data); the AFRINIC figures need it\n"
    "  --runs N    verifications per figure, for the median (default 200)\n";

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

crypto::SecretKey key(uint32_t n) {
  std::array<uint8_t, 32> seed{};
  for (int i = 0; i < 4; ++i) seed[i] = uint8_t(n >> (8 * i));
  seed[31] = 0x5b;
  return crypto::SecretKey::from_seed(seed);
}

std::string temp_dir(const char* stem) {
  auto p = std::filesystem::temp_directory_path() / (std::string(stem) + "-" + std::to_string(std::random_device{}()));
  std::filesystem::remove_all(p);
  return p.string();
}

// Validators are key(1..n); the root holder is key(0).
Genesis genesis_of(size_t n) {
  Genesis g;
  g.chain_id = "bench-proofs";
  g.genesis_time = 1700000000;
  for (size_t i = 1; i <= n; ++i) g.validators.validators.push_back({key(uint32_t(i)).public_key(), 1});
  std::sort(g.validators.validators.begin(), g.validators.validators.end());
  g.roots.push_back({Resource::parse("10.0.0.0/8").value(), AccountId{key(0).public_key()}, {}});
  return g;
}

// The fewest validators of `set`, in key order, that pass 2/3, with their secrets.
std::vector<crypto::SecretKey> quorum(const ValidatorSet& set, const std::vector<crypto::SecretKey>& secrets) {
  std::vector<crypto::SecretKey> out;
  std::vector<crypto::PublicKey> keys;
  for (const auto& v : set.validators) {
    for (const auto& s : secrets)
      if (s.public_key() == v.key) out.push_back(s), keys.push_back(v.key);
    if (set.more_than_two_thirds(set.power_of(keys))) break;
  }
  return out;
}

struct Bench {
  Genesis g;
  crypto::Hash32 gh;
  std::vector<crypto::SecretKey> secrets;
  std::unique_ptr<Chain> chain;
  std::string dir;
  uint64_t root_nonce = 0;

  Bench(Genesis genesis, std::vector<crypto::SecretKey> keys) : g(std::move(genesis)), gh(g.hash()), secrets(std::move(keys)) {
    dir = temp_dir("nl-bench-proofs");
    auto c = Chain::open(dir, g);
    if (!c) std::fprintf(stderr, "%s\n", c.error().c_str()), std::exit(1);
    chain = std::move(*c);
  }
  ~Bench() {
    chain.reset();
    std::filesystem::remove_all(dir);
  }
  Transaction root_tx(TxBody body) {
    Transaction tx{g.chain_id, gh, AccountId{key(0).public_key()}, ++root_nonce, std::move(body), {}};
    tx.sign(key(0));
    return tx;
  }
  void commit(const std::vector<Transaction>& txs) {
    const uint64_t h = chain->height() + 1;
    auto p = chain->propose(txs, g.genesis_time + h, key(1).public_key(), SignatureCheck::verify);
    if (!p.rejected.empty()) std::fprintf(stderr, "refused: %s\n", p.rejected[0].reason.c_str()), std::exit(1);
    CommitCertificate cert{h, 0, p.block.header.hash(), {}};
    for (const auto& s : quorum(chain->validators_at(h), secrets))
      cert.votes.push_back({s.public_key(), s.sign(vote_sign_bytes(gh, h, 0, VoteType::precommit, cert.block_hash))});
    std::sort(cert.votes.begin(), cert.votes.end(), [](auto& a, auto& b) { return a.validator < b.validator; });
    if (auto s = chain->commit(p, cert); !s) std::fprintf(stderr, "%s\n", s.error().c_str()), std::exit(1);
  }
};

struct Figure {
  size_t bytes = 0;
  double verify_us = 0;
  size_t changes = 0;
};

// Decode + verify, the median over `runs`.
Figure timed(const ControlProof& proof, const std::function<Result<ControlAnswer>(const ControlProof&)>& verify,
             int runs) {
  Bytes file = proof.encode();
  std::vector<double> us;
  for (int i = 0; i < runs; ++i) {
    auto t = Clock::now();
    auto d = ControlProof::decode(file);
    auto a = d ? verify(*d) : Result<ControlAnswer>(d.take_error());
    us.push_back(std::chrono::duration<double, std::micro>(Clock::now() - t).count());
    if (!a) std::fprintf(stderr, "proof failed: %s\n", a.error().c_str()), std::exit(1);
  }
  return {file.size(), median(us), proof.set_changes.size()};
}

// From the genesis: set changes and the custody chain. The genesis hash is
// computed once, as a verifier of many proofs does.
Figure measure(const ControlProof& proof, const Genesis& g, int runs) {
  const TrustedSet start = TrustedSet::from_genesis(g);
  return timed(proof, [&](const ControlProof& p) { return verify_control_proof(p, g, start); }, runs);
}
// From a trusted set: the set changes after it, no custody.
Figure measure(const ControlProof& proof, const TrustedSet& t, int runs) {
  return timed(proof, [&](const ControlProof& p) { return verify_control_proof(p, t); }, runs);
}

std::vector<crypto::SecretKey> keys_1_to(size_t n) {
  std::vector<crypto::SecretKey> out;
  for (size_t i = 1; i <= n; ++i) out.push_back(key(uint32_t(i)));
  return out;
}

void by_validators(int runs) {
  std::printf("validators  proof bytes  verify median (us)   [no set change, one holding, certificate of the fewest > 2/3]\n");
  for (size_t n : {4, 16, 64, 100}) {
    Bench b(genesis_of(n), keys_1_to(n));
    b.commit({b.root_tx(DelegateBody{Resource::parse("10.1.0.0/16").value(), AccountId{key(9999).public_key()},
                                     HoldingKind::allocation, 0})});
    auto f = measure(b.chain->prove_control(Resource::parse("10.1.0.0/16").value()).value(),
                     b.g, runs);
    std::printf("%10zu  %11zu  %18.0f\n", n, f.bytes, f.verify_us);
  }
}

void by_set_changes(int runs) {
  const size_t n = 16;
  std::printf("set changes  proof bytes  verify median (us)   [N = %zu; each change a validator-update in its own block]\n", n);
  for (size_t changes : {0, 10, 100}) {
    Bench b(genesis_of(n), keys_1_to(n));
    b.commit({b.root_tx(DelegateBody{Resource::parse("10.1.0.0/16").value(), AccountId{key(9999).public_key()},
                                     HoldingKind::allocation, 0})});
    for (size_t i = 0; i < changes; ++i) {
      // Validator 1's power goes 2, 1, 2, ...: every update changes the set.
      auto tx = b.root_tx(ValidatorUpdateBody{{{key(1).public_key(), i % 2 == 0 ? 2u : 1u}}});
      for (const auto& s : quorum(b.chain->validators_at(b.chain->height() + 1), b.secrets)) tx.sign(s);
      b.commit({tx});
      b.commit({});
      b.commit({});
    }
    auto proof = b.chain->prove_control(Resource::parse("10.1.0.0/16").value()).value();
    auto f = measure(proof, b.g, runs);
    auto trusted = verify_control_proof(proof, b.g)->certified_by;
    auto skip = measure(proof, trusted, runs);
    std::printf("%11zu  %11zu  %18.0f   (from a trusted set at the tip: %.0f us)\n", f.changes, f.bytes, f.verify_us,
                skip.verify_us);
  }
}

void by_custody_depth(int runs) {
  std::printf("validators  custody depth  proof bytes  verify median (us)   [a delegate, then transfers of the whole "
              "/16, each hop in its own block]\n");
  for (size_t n : {4, 16})
    for (size_t depth : {1, 3, 6}) {
      Bench b(genesis_of(n), keys_1_to(n));
      const Resource r = Resource::parse("10.1.0.0/16").value();
      auto holder = [](size_t i) { return key(uint32_t(5000 + i)); };
      b.commit({b.root_tx(DelegateBody{r, AccountId{holder(1).public_key()}, HoldingKind::allocation, 0})});
      for (size_t i = 1; i < depth; ++i) {
        Transaction tx{b.g.chain_id, b.gh, AccountId{holder(i).public_key()}, 1,
                       TransferBody{r, AccountId{holder(i + 1).public_key()}}, {}};
        tx.sign(holder(i));
        tx.sign(holder(i + 1));
        b.commit({tx});
      }
      auto proof = b.chain->prove_control(r).value();
      auto f = measure(proof, b.g, runs);
      std::printf("%10zu  %13zu  %11zu  %18.0f\n", n, depth, f.bytes, f.verify_us);
    }
}

void afrinic(const std::string& data, int runs) {
  const std::string stats = data + "/delegated-afrinic-extended-20240105";
  if (!std::filesystem::exists(stats)) {
    std::printf("AFRINIC: %s not found; pass --data DIR (see ../shared/data/README)\n", stats.c_str());
    return;
  }
  std::string ks_dir = temp_dir("nl-bench-proofs-keys");
  auto keys = RirKeystore::open(ks_dir);
  if (!keys) std::fprintf(stderr, "%s\n", keys.error().c_str()), std::exit(1);
  ImportOptions o;
  o.stats_files = {stats};
  o.iana_ipv4 = data + "/iana-ipv4-address-space.csv";
  o.iana_ipv6 = data + "/iana-ipv6-unicast-address-assignments.csv";
  o.chain_id = "bench-afrinic";
  o.genesis_time = 1704412800;
  for (size_t i = 1; i <= 4; ++i) o.validators.push_back(AccountId{key(uint32_t(i)).public_key()});
  auto imported = import_rir(o, *keys);
  if (!imported) std::fprintf(stderr, "%s\n", imported.error().c_str()), std::exit(1);
  Bench b(imported->genesis, keys_1_to(4));
  b.commit({});
  // The holding whose range the most segments cover: AFRINIC's busiest /8.
  std::optional<Holding> best;
  size_t most = 0;
  for (const Holding& h : b.chain->registry().all_holdings()) {
    if (h.range.family != Family::ipv4 || h.parent == 0) continue;
    size_t s = b.chain->registry().segments_covering(h.range).size();
    if (s > most && s <= kMaxProofSegments) most = s, best = h;
  }
  if (!best) return (void)std::printf("AFRINIC: no holding found\n");
  auto whole = measure(b.chain->prove_control(best->range).value(), b.g, runs);
  std::printf("AFRINIC 2024, %s (%zu segments): %zu bytes, verify median %.0f us\n", best->range.to_string().c_str(),
              most, whole.bytes, whole.verify_us);
  // One /24 inside it, the first one some segment covers alone.
  for (const auto& s : b.chain->registry().segments_covering(best->range)) {
    Resource r{Family::ipv4, s.range.first & ~u128(0xff), (s.range.first & ~u128(0xff)) + 0xff};
    if (!s.range.contains(r)) continue;
    auto one = measure(b.chain->prove_control(r).value(), b.g, runs);
    std::printf("AFRINIC 2024, %s inside it (1 segment): %zu bytes, verify median %.0f us\n", r.to_string().c_str(),
                one.bytes, one.verify_us);
    break;
  }
  std::filesystem::remove_all(ks_dir);
}

}  // namespace

int main(int argc, char** argv) {
  bench::handle_help(argc, argv, kUsage);
  std::string data = "../shared/data";
  int runs = 200;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--data" && i + 1 < argc) data = argv[++i];
    else if (a == "--runs" && i + 1 < argc) runs = int(bench::parse_count(argv[++i], kUsage));
    else bench::usage_error(("unknown argument " + a).c_str(), kUsage);
  }
  if (runs < 1) bench::usage_error("--runs must be at least 1", kUsage);
  by_validators(runs);
  by_set_changes(runs);
  by_custody_depth(runs);
  afrinic(data, runs);
  return 0;
}
