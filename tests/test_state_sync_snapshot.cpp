// State sync in the ledger (issue 16, item 5): a chain's tip state cut in
// chunks, each verified on its own against a state root certified from
// the genesis through the validator-set changes; a new chain opened from
// them agrees with the source and follows its next blocks. A chunk that
// changes, drops or borrows an entry, and an anchor that is forged, are
// refused with the reason.
#include <doctest/doctest.h>

#include <algorithm>
#include <string>

#include "ledger/chain.h"
#include "ledger/snapshot_assembly.h"
#include "ledger/state_tree_hashes.h"
#include "support/fixtures.h"
#include "support/process.h"
#include "support/state_sync_source.h"
#include "support/state_tree_data.h"

using namespace nl;
using namespace nl::ledger;
using test::certify;

namespace {

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

using Source = test::StateSyncSource;
Genesis big_genesis(size_t n) { return test::state_sync_genesis(n); }

SnapshotAssembly assemble(const SnapshotSource& src) {
  SnapshotAssembly a(src.anchor());
  for (uint32_t i = 0; i < src.chunk_count(); ++i) {
    auto c = src.chunk(i);
    REQUIRE_MESSAGE(c.ok(), c.error());
    // Through the wire form, as a peer sends it.
    Writer w;
    c->encode(w);
    Reader r(w.data());
    SnapshotChunk back = SnapshotChunk::decode(r);
    auto s = a.add(i, std::move(back));
    REQUIRE_MESSAGE(s.ok(), s.error());
  }
  return a;
}

}  // namespace

TEST_CASE("state sync: a chain joins at a snapshot certified through a set change and follows the next block") {
  Source src(3000);
  src.with_a_set_change();
  auto snap = src.chain->snapshot();
  REQUIRE_MESSAGE(snap.ok(), snap.error());
  CHECK(snap->height() == 4);
  CHECK(snap->chunk_count() >= 2);  // 3000 holdings cut in several chunks
  CHECK(snap->anchor().set_changes.changes.size() == 1);

  // The anchor through its wire form, checked from the genesis alone.
  Writer w;
  snap->anchor().encode(w);
  Reader r(w.data());
  const SnapshotAnchor anchor = SnapshotAnchor::decode(r);
  Writer reencoded;
  anchor.encode(reencoded);
  CHECK(reencoded.data() == w.data());
  auto ok = verify_snapshot_anchor(anchor, src.g);
  REQUIRE_MESSAGE(ok.ok(), ok.error());

  SnapshotAssembly assembly = assemble(*snap);
  REQUIRE(assembly.complete());
  auto entries = assembly.take_entries();
  CHECK(entries.size() == snap->entry_count());

  test::TempDir dir("nl-statesync-dst");
  auto joined = Chain::open_from_snapshot(dir / "ledger", src.g, anchor, entries);
  REQUIRE_MESSAGE(joined.ok(), joined.error());
  CHECK((*joined)->height() == 4);
  CHECK((*joined)->store().base_height() == 4);
  CHECK((*joined)->state_root() == src.chain->state_root());
  CHECK((*joined)->registry().holding_count() == src.chain->registry().holding_count());

  // The next block, made by the source, checked and committed by the joined chain.
  const PreparedBlock p = src.commit_next({test::delegate("10.201.0.0/24", 1, 3, 2, src.genesis_hash)}, {101, 102, 104});
  auto cert = src.chain->store().cert(5);
  REQUIRE(cert.ok());
  auto prepared = (*joined)->prepare(p.block);
  REQUIRE_MESSAGE(prepared.ok(), prepared.error());
  auto committed = (*joined)->commit(*prepared, *cert);
  REQUIRE_MESSAGE(committed.ok(), committed.error());
  CHECK((*joined)->state_root() == src.chain->state_root());

  // A restart opens it from its base, hash links and certificates checked.
  joined->reset();
  auto reopened = Chain::open(dir / "ledger", src.g);
  REQUIRE_MESSAGE(reopened.ok(), reopened.error());
  CHECK((*reopened)->height() == 5);
  CHECK((*reopened)->state_root() == src.chain->state_root());
  CHECK(!(*reopened)->store().block(3).ok());  // nothing below the base is held

  // A store that holds blocks takes no snapshot.
  reopened->reset();
  auto again = Chain::open_from_snapshot(dir / "ledger", src.g, anchor, entries);
  REQUIRE(!again.ok());
  CHECK_MESSAGE(contains(again.error(), "only an empty ledger"), again.error());
}

TEST_CASE("state sync: a snapshot anchor that does not lead from the genesis is refused") {
  Source src(10);
  src.with_a_set_change();
  auto snap = src.chain->snapshot();
  REQUIRE(snap.ok());
  const SnapshotAnchor good = snap->anchor();

  SUBCASE("the set change left out (a gap)") {
    SnapshotAnchor a = good;
    a.set_changes = {};
    auto s = verify_snapshot_anchor(a, src.g);
    REQUIRE(!s.ok());
    CHECK(contains(s.error(), "a set change is missing"));
  }
  SUBCASE("the base certified by too few") {
    SnapshotAnchor a = good;
    a.cert = certify(a.base, {101, 104}, src.genesis_hash);
    auto s = verify_snapshot_anchor(a, src.g);
    REQUIRE(!s.ok());
    CHECK(contains(s.error(), "invalid"));
  }
  SUBCASE("another state root under the same certificate") {
    SnapshotAnchor a = good;
    a.base.header.state_root.b[0] ^= 1;
    auto s = verify_snapshot_anchor(a, src.g);
    REQUIRE(!s.ok());
    CHECK(contains(s.error(), "certifies another block"));
  }
  SUBCASE("the block's transactions swapped") {
    SnapshotAnchor a = good;
    a.base.txs.clear();
    auto s = verify_snapshot_anchor(a, src.g);
    REQUIRE(!s.ok());
    CHECK(contains(s.error(), "tx root"));
  }
  SUBCASE("another genesis") {
    auto s = verify_snapshot_anchor(good, big_genesis(11));
    CHECK(!s.ok());
  }
}

TEST_CASE("state sync: a bad chunk is refused with the reason, and a good one from another peer is taken") {
  using test::state_tree_data::key_of;
  using test::state_tree_data::value_of;
  StateCommitment tree;
  std::vector<crypto::Hash32> khs;
  std::vector<std::vector<StateMultiproof::Entry>> chunks;
  const size_t n = 5000;
  for (uint64_t i = 0; i < n; ++i) {
    tree.put(key_of(i), value_of(i));
    khs.push_back(state_tree::key_hash(key_of(i)));
  }
  tree.flush();
  std::sort(khs.begin(), khs.end());
  auto bits = choose_chunk_bits(khs);
  REQUIRE(bits.ok());
  CHECK(*bits == 2);  // 5000 entries: four chunks of about 1250
  chunks.resize(size_t{1} << *bits);
  for (uint64_t i = 0; i < n; ++i)
    chunks[key_hash_prefix(state_tree::key_hash(key_of(i)), *bits)].push_back({key_of(i), value_of(i)});
  auto chunk = [&](uint32_t i) {
    auto p = tree.prove_many(chunks[i]);
    REQUIRE(p);
    return SnapshotChunk{*bits, i, *p};
  };
  const crypto::Hash32 root = tree.root();
  for (uint32_t i = 0; i < chunks.size(); ++i) {
    auto s = verify_snapshot_chunk(chunk(i), root, *bits, i);
    CHECK_MESSAGE(s.ok(), s.error());
  }

  SUBCASE("a value changed") {
    SnapshotChunk c = chunk(1);
    c.proof.entries[7].value = value_of(999999);
    auto s = verify_snapshot_chunk(c, root, *bits, 1);
    REQUIRE(!s.ok());
    CHECK(contains(s.error(), "does not lead to the certified state root"));
  }
  SUBCASE("an entry dropped, the proof otherwise valid") {
    const Bytes dropped = chunks[2][5].key;
    auto fewer = chunk(2).proof.keep_only([&](const StateMultiproof::Entry& e) { return e.key != dropped; });
    REQUIRE(fewer.ok());
    auto r = state_multiproof_root(*fewer);
    REQUIRE(r.ok());
    CHECK(*r == root);  // it still proves what it holds...
    auto s = verify_snapshot_chunk(SnapshotChunk{*bits, 2, *fewer}, root, *bits, 2);
    REQUIRE(!s.ok());  // ...but not the whole of its range
    CHECK(contains(s.error(), "leaves out part of its range"));
  }
  SUBCASE("an entry of another chunk added") {
    auto more = chunks[0];
    more.push_back(chunks[3][0]);
    auto p = tree.prove_many(more);
    REQUIRE(p);
    auto s = verify_snapshot_chunk(SnapshotChunk{*bits, 0, *p}, root, *bits, 0);
    REQUIRE(!s.ok());
    CHECK(contains(s.error(), "belongs to another chunk"));
  }
  SUBCASE("another chunk than the one asked for") {
    auto s = verify_snapshot_chunk(chunk(3), root, *bits, 2);
    REQUIRE(!s.ok());
    CHECK(contains(s.error(), "came as chunk 3"));
  }
  SUBCASE("a tampered chunk is refused, the honest one after it taken") {
    SnapshotAnchor anchor;
    anchor.base.header.state_root = root;
    anchor.chunk_bits = *bits;
    SnapshotAssembly a(anchor);
    SnapshotChunk bad = chunk(0);
    bad.proof.entries.pop_back();
    CHECK(!a.add(0, bad).ok());
    CHECK(!a.has(0));
    for (uint32_t i = 0; i < chunks.size(); ++i) CHECK(a.add(i, chunk(i)).ok());
    CHECK(a.complete());
    CHECK(a.missing().empty());
    CHECK(a.take_entries().size() == n);
  }
  SUBCASE("decoding refuses a cut beyond its limit") {
    Writer w;
    w.u8(kMaxChunkBits + 1).u32(0);
    chunk(0).proof.encode(w);
    Reader r(w.data());
    CHECK_THROWS_AS(SnapshotChunk::decode(r), DecodeError);
  }
}

TEST_CASE("state sync: the cut keeps every chunk non-empty") {
  std::vector<crypto::Hash32> khs;
  for (uint64_t i = 0; i < 3; ++i) khs.push_back(state_tree::key_hash(test::state_tree_data::key_of(i)));
  std::sort(khs.begin(), khs.end());
  auto bits = choose_chunk_bits(khs);
  REQUIRE(bits.ok());
  CHECK(*bits == 0);
  CHECK(!choose_chunk_bits({}).ok());
}
