// The state tree on disk (state_tree_nodes.h), in a real RocksDB store: a
// tree written, opened with only its root in memory, changed through its
// stubs, written again; the records left are exactly the tree's; a pinned
// reader keeps the old version; a changed record is caught; and a chain
// whose tree is mostly on disk agrees with one whose tree is all in memory.
#include <doctest/doctest.h>
#include <rocksdb/db.h>

#include <algorithm>
#include <map>
#include <random>
#include <set>
#include <stdexcept>

#include "ledger/block_store.h"
#include "ledger/chain.h"
#include "ledger/state_commitment.h"
#include "ledger/state_tree_hashes.h"
#include "ledger/state_tree_nodes.h"
#include "support/fixtures.h"
#include "support/process.h"
#include "support/state_tree_data.h"

using namespace nl;
using namespace nl::ledger;
using namespace nl::test::state_tree_data;

namespace {

std::unique_ptr<BlockStore> open_store(const std::string& dir) {
  auto s = BlockStore::open(dir, crypto::Hash32{});
  REQUIRE_MESSAGE(s.ok(), s.error());
  return std::move(*s);
}

// The ledger's RocksDB opened directly, every column family named, with the
// tree's handle at hand; closed when it goes.
struct RawLedger {
  rocksdb::DB* db = nullptr;
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::ColumnFamilyHandle* tree = nullptr;
  RawLedger(const std::string& dir, bool read_only) {
    std::vector<std::string> names;
    REQUIRE(rocksdb::DB::ListColumnFamilies(rocksdb::DBOptions(), dir, &names).ok());
    std::vector<rocksdb::ColumnFamilyDescriptor> cfs;
    for (const auto& n : names) cfs.emplace_back(n, rocksdb::ColumnFamilyOptions());
    REQUIRE((read_only ? rocksdb::DB::OpenForReadOnly(rocksdb::DBOptions(), dir, cfs, &handles, &db)
                       : rocksdb::DB::Open(rocksdb::DBOptions(), dir, cfs, &handles, &db))
                .ok());
    for (size_t i = 0; i < names.size(); ++i)
      if (names[i] == "tree") tree = handles[i];
    REQUIRE(tree != nullptr);
  }
  ~RawLedger() {
    for (auto* h : handles) db->DestroyColumnFamilyHandle(h);
    delete db;
  }
};

// Every record of the tree column family.
std::map<Bytes, Bytes> tree_records(const std::string& dir) {
  RawLedger raw(dir, true);
  std::map<Bytes, Bytes> out;
  std::unique_ptr<rocksdb::Iterator> it(raw.db->NewIterator(rocksdb::ReadOptions(), raw.tree));
  for (it->SeekToFirst(); it->Valid(); it->Next())
    out[Bytes(it->key().data(), it->key().data() + it->key().size())] =
        Bytes(it->value().data(), it->value().data() + it->value().size());
  return out;
}

void put_record(const std::string& dir, const Bytes& key, const Bytes& value) {
  RawLedger raw(dir, false);
  REQUIRE(raw.db->Put(rocksdb::WriteOptions(), raw.tree,
                      rocksdb::Slice(reinterpret_cast<const char*>(key.data()), key.size()),
                      rocksdb::Slice(reinterpret_cast<const char*>(value.data()), value.size()))
              .ok());
}

void delete_record(const std::string& dir, const Bytes& key) {
  RawLedger raw(dir, false);
  REQUIRE(raw.db->Delete(rocksdb::WriteOptions(), raw.tree,
                         rocksdb::Slice(reinterpret_cast<const char*>(key.data()), key.size()))
              .ok());
}

// Height h's block: `per_block` delegations of 10.h.k.0/24 by account 1.
std::vector<Transaction> delegations_at(int h, int per_block, uint64_t& nonce, const Genesis& g) {
  std::vector<Transaction> txs;
  for (int k = 0; k < per_block; ++k) {
    const std::string r = "10." + std::to_string(h) + "." + std::to_string(k) + ".0/24";
    txs.push_back(test::delegate(r.c_str(), 1, static_cast<uint8_t>(2 + k), nonce++, g.hash()));
  }
  return txs;
}

StateCommitment opened(const BlockStore& store) {
  auto t = StateCommitment::open(store.tree_reader());
  REQUIRE_MESSAGE(t.ok(), t.error());
  REQUIRE(t->has_value());
  return std::move(**t);
}

// The places of the inner nodes of the tree of `model` at group depths,
// by definition: where its records are.
void inner_places(const std::vector<Hash32>& khs, unsigned depth, const Hash32& path, std::set<Bytes>& out) {
  if (khs.size() < 2) return;
  if (state_tree::is_group_depth(depth)) out.insert(state_tree::node_key(depth, path));
  std::vector<Hash32> side[2];
  for (const auto& k : khs) side[bit_at(k, depth)].push_back(k);
  for (unsigned c = 0; c < 2; ++c) inner_places(side[c], depth + 1, state_tree::child_path(path, depth, c), out);
}

std::set<Bytes> expected_places(const std::map<uint64_t, uint64_t>& model) {
  std::vector<Hash32> khs;
  for (auto [id, v] : model) khs.push_back(kh_of(key_of(id)));
  std::set<Bytes> out;
  inner_places(khs, 0, Hash32{}, out);
  out.insert(Bytes{});  // the root record
  return out;
}

}  // namespace

TEST_CASE("state tree on disk: written, opened from its root alone, changed through stubs, written again") {
  test::TempDir dir("nl-tree-disk");
  const std::string path = dir / "store";
  std::map<uint64_t, uint64_t> model;  // id -> version
  {
    auto store = open_store(path);
    StateCommitment t = build(iota_ids(3000));
    t.set_reader(store->tree_reader());
    for (uint64_t i = 0; i < 3000; ++i) model[i] = 0;
    REQUIRE(store->write_tree(t.persist(nullptr, 4)).ok());
    CHECK(t.root() == reference_root(model));
  }
  CHECK(tree_records(path).size() == expected_places(model).size());
  std::mt19937_64 rng(7);
  for (int round = 0; round < 6; ++round) {
    auto store = open_store(path);
    StateCommitment t = opened(*store);
    REQUIRE(t.root() == reference_root(model));
    REQUIRE(t.size() == model.size());
    const StateCommitment::Snapshot on_disk = t.snapshot();
    // Proofs read through the stubs, and verify.
    for (uint64_t id : {uint64_t{0}, uint64_t{1234}, uint64_t{2999}}) {
      if (!model.count(id)) continue;
      auto p = t.prove(key_of(id));
      REQUIRE(p.has_value());
      CHECK(verify_state_proof(t.root(), key_of(id), value_of(id, model[id]), *p));
    }
    // Erase a few hundred (whole subtrees empty out), rewrite some, add new.
    for (int k = 0; k < 400; ++k) {
      const uint64_t id = rng() % 3600;
      if (model.count(id) && rng() % 2) {
        t.erase(key_of(id));
        model.erase(id);
      } else {
        t.put(key_of(id), value_of(id, round + 1));
        model[id] = round + 1;
      }
    }
    t.flush();
    REQUIRE(t.root() == reference_root(model));
    REQUIRE(store->write_tree(t.persist(&on_disk, round % 3)).ok());
    CHECK(t.root() == reference_root(model));
  }
  // Nothing stale: the records are exactly the tree's inner nodes and its root.
  std::set<Bytes> have;
  for (const auto& [k, v] : tree_records(path)) have.insert(k);
  CHECK(have == expected_places(model));
}

TEST_CASE("state tree on disk: a pinned reader keeps its version while the store moves on") {
  test::TempDir dir("nl-tree-pinned");
  auto store = open_store(dir / "store");
  StateCommitment t = build(iota_ids(500));
  t.set_reader(store->tree_reader());
  REQUIRE(store->write_tree(t.persist(nullptr, 2)).ok());
  const Hash32 old_root = t.root();
  StateCommitment pinned;
  pinned.restore(t.snapshot());
  pinned.set_reader(store->pinned_tree_reader());
  const auto on_disk = t.snapshot();
  for (uint64_t i = 0; i < 500; i += 2) t.put(key_of(i), value_of(i, 9));
  t.flush();
  REQUIRE(store->write_tree(t.persist(&on_disk, 2)).ok());
  REQUIRE(t.root() != old_root);
  auto many = pinned.prove_many({{key_of(10), value_of(10)}, {key_of(11), value_of(11)}});
  REQUIRE(many.has_value());
  auto many_root = state_multiproof_root(*many);
  REQUIRE(many_root.ok());
  CHECK(*many_root == old_root);
  // The live reader sees the new records; asked through the old tree's
  // stubs it finds records that do not hash to them, and says so.
  StateCommitment stale;
  stale.restore(pinned.snapshot());
  stale.set_reader(store->tree_reader());
  CHECK_THROWS_WITH_AS(stale.prove(key_of(10)), doctest::Contains("does not hash"), std::runtime_error);
}

TEST_CASE("state tree on disk: a changed or missing record is caught when it is read") {
  test::TempDir dir("nl-tree-broken");
  const std::string path = dir / "store";
  {
    auto store = open_store(path);
    StateCommitment t = build(iota_ids(200));
    t.set_reader(store->tree_reader());
    REQUIRE(store->write_tree(t.persist(nullptr, 0)).ok());
  }
  auto records = tree_records(path);
  // The deepest record (the first byte of a key is its depth; the root
  // record's key is empty): flip a bit of a leaf's hash in it.
  auto deepest = std::max_element(records.begin(), records.end(), [](const auto& a, const auto& b) {
    return (a.first.empty() ? -1 : a.first[0]) < (b.first.empty() ? -1 : b.first[0]);
  });
  auto group = state_tree::GroupRecord::decode(deepest->second, deepest->first[0]);
  REQUIRE_MESSAGE(group.ok(), group.error());
  auto leaf = std::find_if(group->nodes.begin(), group->nodes.end(),
                           [](const auto& n) { return n.kind == state_tree::ChildRef::leaf; });
  REQUIRE(leaf != group->nodes.end());
  leaf->hash.b[0] ^= 1;
  put_record(path, deepest->first, group->encode());
  auto store = open_store(path);
  StateCommitment t = opened(*store);
  size_t caught = 0;
  for (uint64_t i = 0; i < 200; ++i) {
    try {
      (void)t.prove(key_of(i));
    } catch (const std::runtime_error& e) {
      CHECK(std::string(e.what()).find("does not hash") != std::string::npos);
      ++caught;
    }
  }
  CHECK(caught > 0);
  CHECK(caught < 200);
  // Writing through the broken record is refused the same way.
  CHECK_THROWS_AS(
      [&] {
        for (uint64_t i = 0; i < 200; ++i) t.put(key_of(i), value_of(i, 1));
      }(),
      std::runtime_error);
}

TEST_CASE("state tree on disk: a chain with its tree on disk agrees with one all in memory, and reopens") {
  test::TempDir dir("nl-tree-chain");
  auto g = test::test_genesis(1);
  ChainOptions disk;
  disk.tree_cache_depth = 1;
  ChainOptions memory;
  memory.tree_cache_depth = 256;
  auto a = Chain::open(dir / "a", g, disk);
  auto b = Chain::open(dir / "b", g, memory);
  REQUIRE_MESSAGE(a.ok(), a.error());
  REQUIRE_MESSAGE(b.ok(), b.error());
  uint64_t nonce = 1;
  for (int h = 1; h <= 8; ++h) {
    const auto txs = delegations_at(h, 6, nonce, g);
    auto pa = (*a)->propose(txs, 1700000000 + h * 10, test::seeded_key(100).public_key(), SignatureCheck::verify);
    REQUIRE(pa.rejected.empty());
    auto pb = (*b)->prepare(pa.block);
    REQUIRE_MESSAGE(pb.ok(), pb.error());
    const auto cert = test::certify(pa.block, {100}, g.hash());
    REQUIRE((*a)->commit(pa, cert).ok());
    REQUIRE((*b)->commit(*pb, cert).ok());
    CHECK((*a)->state_root() == (*b)->state_root());
  }
  const Hash32 root = (*a)->state_root();
  auto proof = (*a)->prove_control(Resource::parse("10.8.5.7").value());
  REQUIRE_MESSAGE(proof.ok(), proof.error());
  CHECK(verify_control_proof(*proof, g).ok());
  a->reset();
  ChainOptions full = disk;
  full.check = StateCheck::every_entry;
  for (const ChainOptions& opts : {disk, full}) {
    auto again = Chain::open(dir / "a", g, opts);
    REQUIRE_MESSAGE(again.ok(), again.error());
    CHECK((*again)->state_root() == root);
    CHECK((*again)->height() == 8);
  }
  // A tree whose root is not the last header's: the start is refused.
  state_tree::RootRecord other;
  other.root.kind = state_tree::ChildRef::leaf;
  other.root.hash = kh_of(key_of(1));
  other.root.key_hash = kh_of(key_of(2));
  other.size = 1;
  put_record(dir / "a", Bytes{}, other.encode());
  auto refused = Chain::open(dir / "a", g, disk);
  REQUIRE(!refused.ok());
  CHECK(refused.error().find("does not match the state root of height 8") != std::string::npos);
}

TEST_CASE("state tree on disk: a ledger without a root record gets its tree written again, stale records cleared") {
  test::TempDir dir("nl-tree-rebuild");
  auto g = test::test_genesis(1);
  ChainOptions disk;
  disk.tree_cache_depth = 1;
  Hash32 root;
  {
    auto c = Chain::open(dir / "a", g, disk);
    REQUIRE_MESSAGE(c.ok(), c.error());
    uint64_t nonce = 1;
    for (int h = 1; h <= 3; ++h) {
      const auto txs = delegations_at(h, 5, nonce, g);
      auto p = (*c)->propose(txs, 1700000000 + h * 10, test::seeded_key(100).public_key(), SignatureCheck::verify);
      REQUIRE(p.rejected.empty());
      REQUIRE((*c)->commit(p, test::certify(p.block, {100}, g.hash())).ok());
    }
    root = (*c)->state_root();
  }
  const auto before = tree_records(dir / "a");
  REQUIRE(before.size() > 10);
  // What an interrupted build leaves: records, no root, and one the
  // entries have no place for.
  delete_record(dir / "a", Bytes{});
  const Bytes stale = state_tree::node_key(200, kh_of(key_of(77)));
  put_record(dir / "a", stale, before.begin()->second);
  for (const ChainOptions& opts : {disk, ChainOptions{StateCheck::every_entry, 1}}) {
    auto again = Chain::open(dir / "a", g, opts);
    REQUIRE_MESSAGE(again.ok(), again.error());
    CHECK((*again)->state_root() == root);
    auto proof = (*again)->prove_control(Resource::parse("10.3.4.9").value());
    REQUIRE_MESSAGE(proof.ok(), proof.error());
    CHECK(verify_control_proof(*proof, g).ok());
  }
  CHECK(tree_records(dir / "a") == before);

  // A tree of the earlier format, one record per inner node (its root
  // record begins with the root's kind, not with a format): written again
  // in groups, the old records gone.
  Writer earlier;
  earlier.u8(state_tree::ChildRef::inner).fixed(root.b).u64(1);
  put_record(dir / "a", Bytes{}, earlier.take());
  put_record(dir / "a", state_tree::node_key(7, kh_of(key_of(3))), Bytes{2});
  {
    auto again = Chain::open(dir / "a", g, disk);
    REQUIRE_MESSAGE(again.ok(), again.error());
    CHECK((*again)->state_root() == root);
  }
  CHECK(tree_records(dir / "a") == before);
}

TEST_CASE("state tree on disk: a group record is refused when malformed or of a shape the tree never has") {
  using state_tree::ChildRef;
  using state_tree::GroupRecord;
  const ChildRef leaf_a{ChildRef::leaf, kh_of(key_of(1)), kh_of(key_of(2))};
  const ChildRef leaf_b{ChildRef::leaf, kh_of(key_of(3)), kh_of(key_of(4))};
  const ChildRef below{ChildRef::inner, kh_of(key_of(5)), {}};
  const ChildRef none{};
  const ChildRef expanded{ChildRef::inner, {}, {}};
  // A path expanded down to the group's bottom, four levels down.
  GroupRecord ok{{expanded, leaf_a, expanded, expanded, expanded, below, none, leaf_b, none}};
  const Bytes bytes = ok.encode();
  auto back = GroupRecord::decode(bytes, 8);
  REQUIRE_MESSAGE(back.ok(), back.error());
  REQUIRE(back->nodes.size() == ok.nodes.size());
  CHECK(back->nodes[5] == below);
  CHECK(back->nodes[7] == leaf_b);
  // The hashes of the expanded nodes are computed, bottom up.
  const Hash32 d3 = state_tree::inner_hash(below.hash, Hash32{});
  const Hash32 d2 = state_tree::inner_hash(d3, leaf_b.hash);
  CHECK(back->nodes[4].hash == d3);
  CHECK(back->nodes[3].hash == d2);
  CHECK(back->nodes[2].hash == state_tree::inner_hash(d2, Hash32{}));
  CHECK(back->nodes[0].hash == state_tree::inner_hash(leaf_a.hash, back->nodes[2].hash));
  CHECK(back->encode() == bytes);

  auto refused = [](const GroupRecord& r, unsigned depth, const char* why) {
    auto d = GroupRecord::decode(r.encode(), depth);
    REQUIRE(!d.ok());
    CHECK_MESSAGE(d.error().find(why) != std::string::npos, d.error());
  };
  refused(ok, 6, "a group at depth 6");
  refused(GroupRecord{{leaf_a}}, 0, "top is not an inner node");
  refused(GroupRecord{{expanded, none, none}}, 0, "without children");
  refused(GroupRecord{{expanded, leaf_a, none}}, 0, "a leaf beside an empty sibling");
  // An inner node at depth 256: no key bit is left to split it by.
  refused(GroupRecord{{expanded, leaf_a, expanded, expanded, expanded, below, leaf_b, leaf_a, none}}, 252,
          "below the last key bit");
  Bytes trailing = bytes;
  trailing.push_back(0);
  CHECK(!GroupRecord::decode(trailing, 8).ok());
  CHECK(!GroupRecord::decode(ByteView(bytes.data(), bytes.size() - 1), 8).ok());
}
