// Checking a proposed value: the signatures the mempool has not verified
// are checked first, on several threads and without the state lock, then
// the chain checks the block. The parallel check must agree with the
// serial one transaction by transaction, and a forged signature must still
// refuse the block with the chain's reason. Blocks that block sync brings
// are checked the same way, all of one answer together.
#include <doctest/doctest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <string>

#include "ledger/chain.h"
#include "node/driver/block_sync.h"
#include "node/driver/block_values.h"
#include "node/driver/mempool.h"
#include "node/driver/parallel_signature_check.h"
#include "support/fixtures.h"
#include "support/process.h"

using namespace nl;
using namespace nl::ledger;

namespace {

// Delegations of 10.k.0.0/16 by the root holder, nonces 1..n.
std::vector<Transaction> delegations(size_t n) {
  std::vector<Transaction> txs;
  for (size_t k = 0; k < n; ++k)
    txs.push_back(test::delegate(("10." + std::to_string(k) + ".0.0/16").c_str(), 1, 2, k + 1));
  return txs;
}

std::unique_ptr<Chain> open_chain(const std::string& dir) {
  auto c = Chain::open(dir, test::test_genesis(4));
  REQUIRE_MESSAGE(c.ok(), c.error());
  return std::move(*c);
}

// The next block for `txs`, built on `chain` and left uncommitted.
Block build(Chain& chain, const std::vector<Transaction>& txs) {
  auto p = chain.propose(txs, 1700000100, test::seeded_key(100).public_key(), SignatureCheck::verify);
  REQUIRE(p.rejected.empty());
  return p.block;
}

// `txs` committed on `source` in `blocks` equal blocks (block b at time
// 1700000100 + b), each certified by validators 100-102, as a peer serves them.
std::vector<node::p2p::CertifiedBlock> certified_blocks(Chain& source, const std::vector<Transaction>& txs,
                                                        size_t blocks) {
  std::vector<node::p2p::CertifiedBlock> out;
  const size_t per = txs.size() / blocks;
  for (size_t b = 0; b < blocks; ++b) {
    std::vector<Transaction> part(txs.begin() + long(b * per), txs.begin() + long(b * per + per));
    auto p = source.propose(part, 1700000100 + b, test::seeded_key(100).public_key(), SignatureCheck::verify);
    REQUIRE(p.rejected.empty());
    auto cert = test::certify(p.block, {100, 101, 102});
    REQUIRE(source.commit(p, cert).ok());
    out.push_back({p.block, cert});
  }
  return out;
}

size_t count(const std::vector<char>& v) {
  size_t n = 0;
  for (char c : v) n += c != 0;
  return n;
}

}  // namespace

TEST_CASE("check_signatures_parallel agrees with check_signatures, transaction by transaction") {
  crypto::init();
  auto txs = delegations(150);
  for (size_t i = 0; i < txs.size(); i += 7) txs[i].signatures[0].sig.b[i % 64] ^= 1;  // forged
  std::vector<const Transaction*> ptrs;
  for (const auto& tx : txs) ptrs.push_back(&tx);
  for (size_t threads : {0, 1, 2, 4, 16}) {
    CAPTURE(threads);
    auto ok = node::check_signatures_parallel(ptrs, threads);
    REQUIRE(ok.size() == txs.size());
    for (size_t i = 0; i < txs.size(); ++i) CHECK((ok[i] != 0) == txs[i].check_signatures().ok());
    CHECK(count(ok) == txs.size() - (txs.size() + 6) / 7);
  }
  CHECK(node::check_signatures_parallel({}, 4).empty());
}

TEST_CASE("a proposed value: signatures the mempool holds are trusted, the rest verified and learned") {
  crypto::init();
  test::TempDir dir{"nl-blockvalues"};
  auto proposer = open_chain(dir / "proposer");
  auto follower = open_chain(dir / "follower");
  auto txs = delegations(100);
  const Block block = build(*proposer, txs);
  const Bytes value = block.encode();

  node::Mempool mempool;
  for (size_t i = 0; i < 40; ++i) REQUIRE(mempool.add(txs[i], {}) == node::Mempool::Added::fresh);

  auto decoded = node::decode_block_value(mempool, value, 3);
  REQUIRE_MESSAGE(decoded.ok(), decoded.error());
  CHECK(count(decoded->verified) == 100);
  CHECK(count(decoded->fresh) == 60);
  for (size_t i = 0; i < 40; ++i) CHECK(decoded->fresh[i] == 0);

  std::vector<Transaction> learned;
  auto s = node::check_block_value(*follower, *decoded, &learned);
  REQUIRE_MESSAGE(s.ok(), s.error());
  REQUIRE(learned.size() == 60);
  CHECK(learned.front().id() == txs[40].id());
  CHECK(learned.back().id() == txs[99].id());
  CHECK(follower->height() == 0);  // a check leaves the state as it was
  CHECK(follower->state_root() == open_chain(dir / "fresh")->state_root());
}

TEST_CASE("a proposed value with a forged signature is refused with the chain's reason, nothing learned") {
  crypto::init();
  test::TempDir dir{"nl-blockvalues"};
  auto proposer = open_chain(dir / "proposer");
  auto follower = open_chain(dir / "follower");
  Block block = build(*proposer, delegations(80));
  block.txs[57].signatures[0].sig.b[3] ^= 1;
  block.header.tx_root = tx_root(block.txs);  // consistent, so only the signature is wrong

  node::Mempool mempool;
  auto decoded = node::decode_block_value(mempool, block.encode(), 4);
  REQUIRE(decoded.ok());
  CHECK(decoded->verified[57] == 0);
  CHECK(count(decoded->verified) == 79);

  std::vector<Transaction> learned;
  auto s = node::check_block_value(*follower, *decoded, &learned);
  REQUIRE(!s.ok());
  CHECK_MESSAGE(s.error().find("transaction 57") != std::string::npos, s.error());
  CHECK_MESSAGE(s.error().find("bad signature") != std::string::npos, s.error());
  CHECK(learned.empty());
  CHECK(follower->height() == 0);

  // The one-step form says the same.
  auto one = node::check_block_value(*follower, mempool, block.encode(), &learned);
  REQUIRE(!one.ok());
  CHECK(one.error() == s.error());
}

TEST_CASE("bytes that are not a block are refused before any signature is checked") {
  crypto::init();
  node::Mempool mempool;
  const Bytes junk{1, 2, 3, 4, 5};
  auto decoded = node::decode_block_value(mempool, junk, 2);
  REQUIRE(!decoded.ok());
  CHECK_MESSAGE(decoded.error().find("not a block") != std::string::npos, decoded.error());
}

TEST_CASE("a proposed block dated more than a minute ahead of the validator's clock is refused, saying by how much") {
  const uint64_t now = 1800000000;
  CHECK(node::check_block_time(now, now).ok());
  CHECK(node::check_block_time(now - 3600, now).ok());  // behind: the ledger's rule, not the clock's
  CHECK(node::check_block_time(now + node::kMaxBlockTimeAheadSeconds, now).ok());
  auto r = node::check_block_time(now + node::kMaxBlockTimeAheadSeconds + 1, now);
  REQUIRE(!r.ok());
  CHECK(r.error().find("61 s ahead of this validator's clock") != std::string::npos);
  // Years ahead: what one proposer would need to expire every lease.
  CHECK(!node::check_block_time(now + 10ull * 365 * 86400, now).ok());
}

TEST_CASE("synced blocks: signatures checked together on several threads, then committed; a forged one refused") {
  crypto::init();
  test::TempDir dir{"nl-blockvalues-sync"};
  auto source = open_chain(dir / "source");
  // Three certified blocks of 60 delegations each, as a peer serves them.
  auto txs = delegations(180);
  const auto answer = certified_blocks(*source, txs, 3);

  node::Mempool mempool;
  for (size_t i = 0; i < 10; ++i) REQUIRE(mempool.add(txs[i], {}) == node::Mempool::Added::fresh);
  auto follower = open_chain(dir / "follower");
  auto flags = node::verify_synced_signatures(mempool, answer, 2, 0);
  REQUIRE(flags.size() == 3);
  for (const auto& f : flags) CHECK(count(f) == 60);
  auto r = node::apply_synced_blocks(*follower, answer, flags);
  CHECK(r.error.empty());
  CHECK(r.applied == 3);
  CHECK(follower->state_root() == source->state_root());

  // A forged signature in the second block: unset in its flags, and the
  // chain refuses that block with its reason after committing the first.
  auto forged = answer;
  forged[1].block.txs[7].signatures[0].sig.b[5] ^= 1;
  forged[1].block.header.tx_root = tx_root(forged[1].block.txs);
  auto other = open_chain(dir / "other");
  auto ff = node::verify_synced_signatures(node::Mempool{}, forged, 2, 0);
  CHECK(count(ff[0]) == 60);
  CHECK(count(ff[1]) == 59);
  CHECK(ff[1][7] == 0);
  auto rf = node::apply_synced_blocks(*other, forged, ff);
  CHECK(rf.applied == 1);
  CHECK_MESSAGE(rf.error.find("block 2 refused") != std::string::npos, rf.error);
  CHECK(other->height() == 1);

  // Blocks the chain has, and those after a gap, are not checked at all.
  auto from_two = node::verify_synced_signatures(node::Mempool{}, answer, 2, 2);
  CHECK(count(from_two[0]) == 0);
  CHECK(count(from_two[1]) == 0);
  CHECK(count(from_two[2]) == 60);
  std::vector<node::p2p::CertifiedBlock> gap{answer[0], answer[2]};
  auto gapped = node::verify_synced_signatures(node::Mempool{}, gap, 2, 0);
  CHECK(count(gapped[0]) == 60);
  CHECK(count(gapped[1]) == 0);
}

// apply_synced_blocks writes an answer's blocks without an fsync each and
// syncs once at the end. A child applies two answers and reports each on a
// pipe; kill -9 lands after the second. Every block it reported applied
// must be there when the chain is opened again, state root and all.
TEST_CASE("synced blocks: one fsync per answer, and a kill -9 right after an answer loses none of its blocks") {
  crypto::init();
  test::TempDir dir{"nl-blockvalues-sync-kill"};
  std::vector<node::p2p::CertifiedBlock> answers[2];
  crypto::Hash32 root;
  {
    auto source = open_chain(dir / "source");
    const auto blocks = certified_blocks(*source, delegations(120), 6);
    answers[0].assign(blocks.begin(), blocks.begin() + 3);
    answers[1].assign(blocks.begin() + 3, blocks.end());
    root = source->state_root();
  }
  int fds[2];
  REQUIRE(pipe(fds) == 0);
  const pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    close(fds[0]);
    auto c = Chain::open(dir / "follower", test::test_genesis(4));
    if (!c.ok()) _exit(3);
    for (const auto& answer : answers) {
      auto r = node::apply_synced_blocks(**c, answer, node::verify_synced_signatures(node::Mempool{}, answer, 2, (*c)->height()));
      if (!r.error.empty() || !r.not_durable.empty()) _exit(4);
      const uint64_t h = (*c)->height();
      if (write(fds[1], &h, sizeof h) != sizeof h) _exit(5);
    }
    pause();
    _exit(0);
  }
  close(fds[1]);
  uint64_t reported = 0, h = 0;
  while (reported < 6 && read(fds[0], &h, sizeof h) == sizeof h) reported = h;
  kill(pid, SIGKILL);
  int status = 0;
  waitpid(pid, &status, 0);
  close(fds[0]);
  REQUIRE(reported == 6);
  CHECK(WIFSIGNALED(status));
  auto follower = open_chain(dir / "follower");
  CHECK(follower->height() == 6);
  CHECK(follower->state_root() == root);
  CHECK(follower->tip_hash() == answers[1].back().block.header.hash());
}

// The driver's way: each block's signatures checked on a helper thread
// while the blocks before it are applied. Every block's flags, when asked
// for, are those of checking them all first, whatever the threads; a
// forged signature still refuses its block, after the ones before it.
TEST_CASE("synced blocks pipelined: each block's checks done when it is applied, the same as checked first") {
  crypto::init();
  test::TempDir dir{"nl-blockvalues-pipelined"};
  auto source = open_chain(dir / "source");
  const auto answer = certified_blocks(*source, delegations(200), 5);
  auto forged = answer;
  forged[3].block.txs[21].signatures[0].sig.b[9] ^= 1;
  forged[3].block.header.tx_root = tx_root(forged[3].block.txs);
  const auto first = node::verify_synced_signatures(node::Mempool{}, forged, 1, 0);
  CHECK(count(first[3]) == 39);
  for (size_t threads : {0, 1, 2, 4}) {
    CAPTURE(threads);
    node::SyncedSignatures sigs(node::Mempool{}, forged, threads, 0);
    for (size_t b = forged.size(); b-- > 0;) CHECK(sigs.block(b) == first[b]);  // any order
    CHECK(sigs.all() == first);
  }

  auto follower = open_chain(dir / "follower");
  node::SyncedSignatures good(node::Mempool{}, answer, 2, 0);
  auto r = node::apply_synced_blocks(*follower, answer, good);
  CHECK(r.error.empty());
  CHECK(r.applied == 5);
  CHECK(follower->state_root() == source->state_root());

  auto other = open_chain(dir / "other");
  {
    node::SyncedSignatures bad(node::Mempool{}, forged, 2, 0);
    auto rf = node::apply_synced_blocks(*other, forged, bad);
    CHECK(rf.applied == 3);
    CHECK_MESSAGE(rf.error.find("block 4 refused") != std::string::npos, rf.error);
  }  // the helpers stop and are joined with block 5 unasked for
  CHECK(other->height() == 3);
}
