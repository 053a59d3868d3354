#include <doctest/doctest.h>

#include <filesystem>
#include <functional>
#include <fstream>
#include <random>

#include "crypto/ed25519.h"
#include "crypto/hash.h"
#include "ledger/block_store.h"
#include "support/tamper_block.h"

#include <rocksdb/db.h>

using namespace nl;
using namespace nl::ledger;

namespace {

// A fresh directory under the system temp dir, removed with everything in it.
struct TempDir {
  std::filesystem::path path;
  TempDir() {
    std::random_device rd;
    std::uniform_int_distribution<uint64_t> dist;
    path = std::filesystem::temp_directory_path() / ("nl-bs-" + std::to_string(dist(rd)));
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  std::string str() const { return path.string(); }
};

const crypto::Hash32 kGenesis = crypto::tagged_hash("test-genesis", as_bytes("block store"));
const std::string kChain = "nl-test";

crypto::SecretKey key(uint8_t n) {
  std::array<uint8_t, 32> seed{};
  seed.fill(n);
  return crypto::SecretKey::from_seed(seed);
}

AccountId account(uint8_t n) { return AccountId{key(n).public_key()}; }

Resource res(const char* text) {
  auto r = Resource::parse(text);
  REQUIRE_MESSAGE(r.ok(), text);
  return *r;
}

Transaction make_tx(uint8_t signer, uint64_t nonce, TxBody body) {
  crypto::init();
  Transaction tx;
  tx.chain_id = kChain;
  tx.signer = account(signer);
  tx.nonce = nonce;
  tx.body = std::move(body);
  tx.sign(key(signer));
  return tx;
}

std::unique_ptr<BlockStore> open_ok(const TempDir& dir, const crypto::Hash32& g = kGenesis) {
  auto s = BlockStore::open(dir.str(), g);
  REQUIRE_MESSAGE(s.ok(), (s.ok() ? "" : s.error()));
  return std::move(*s);
}

// Builds blocks that link to each other, each with its certificate.
struct ChainBuilder {
  crypto::Hash32 prev = kGenesis;
  std::optional<CommitCertificate> last_cert;
  uint64_t height = 0;

  std::pair<Block, CommitCertificate> next(std::vector<Transaction> txs) {
    Block b;
    b.header.chain_id = kChain;
    b.header.height = ++height;
    b.header.time = 1700000000 + height;
    b.header.prev_hash = prev;
    b.header.tx_root = tx_root(txs);
    b.header.state_root = crypto::tagged_hash("state", as_bytes(std::to_string(height)));
    b.header.proposer = key(1).public_key();
    b.txs = std::move(txs);
    b.last_commit = last_cert;
    CommitCertificate c;
    c.height = height;
    c.block_hash = b.header.hash();
    prev = c.block_hash;
    last_cert = c;
    return {b, c};
  }
};

// Opens the closed store in `dir` as RocksDB itself, with every column
// family (handles in the order of the names below), for `edit` to damage
// or age it.
void edit_raw(const TempDir& dir,
              const std::function<void(rocksdb::DB&, const std::vector<rocksdb::ColumnFamilyHandle*>&)>& edit) {
  std::vector<rocksdb::ColumnFamilyDescriptor> cfs;
  for (const char* n : {"default", "blocks", "certs", "txindex", "state", "history", "meta", "tree"})
    cfs.emplace_back(n, rocksdb::ColumnFamilyOptions());
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  REQUIRE(rocksdb::DB::Open(rocksdb::DBOptions(), dir.str(), cfs, &handles, &raw).ok());
  edit(*raw, handles);
  for (auto* h : handles) REQUIRE(raw->DestroyColumnFamilyHandle(h).ok());
  delete raw;
}

Status append(BlockStore& s, const std::pair<Block, CommitCertificate>& bc,
              std::vector<StateWrite> writes = {}) {
  return s.append(bc.first, bc.second, writes);
}

StateWrite put(std::string k, std::string v) {
  return StateWrite{Bytes(k.begin(), k.end()), Bytes(v.begin(), v.end())};
}
StateWrite del(std::string k) { return StateWrite{Bytes(k.begin(), k.end()), std::nullopt}; }

std::vector<std::pair<std::string, std::string>> dump_state(const BlockStore& s) {
  std::vector<std::pair<std::string, std::string>> out;
  Status st = s.for_each_state([&](ByteView k, ByteView v) {
    out.emplace_back(std::string(k.begin(), k.end()), std::string(v.begin(), v.end()));
    return Status::success();
  });
  REQUIRE(st.ok());
  return out;
}

}  // namespace

TEST_CASE("block store: blocks and certificates read back byte for byte and survive reopen") {
  TempDir dir;
  ChainBuilder cb;
  auto b1 = cb.next({make_tx(2, 0, DelegateBody{res("10.0.0.0/16"), account(3)}),
                     make_tx(3, 0, ReturnBody{res("10.0.1.0/24")})});
  auto b2 = cb.next({});
  auto b3 = cb.next({make_tx(4, 0, RotateKeyBody{key(5).public_key()})});
  {
    auto s = open_ok(dir);
    CHECK(s->tip_height() == 0);
    for (const auto* bc : {&b1, &b2, &b3}) {
      Status st = append(*s, *bc);
      REQUIRE_MESSAGE(st.ok(), (st.ok() ? "" : st.error()));
    }
    CHECK(s->tip_height() == 3);
  }
  auto s = open_ok(dir);
  CHECK(s->tip_height() == 3);
  for (const auto* bc : {&b1, &b2, &b3}) {
    const uint64_t h = bc->first.header.height;
    auto b = s->block(h);
    REQUIRE(b.ok());
    CHECK(b->encode() == bc->first.encode());
    auto c = s->cert(h);
    REQUIRE(c.ok());
    CHECK(c->encode() == bc->second.encode());
  }
  CHECK(s->block(3)->last_commit == b2.second);

  auto missing = s->block(4);
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.error() == "no block at height 4");
  auto missing_cert = s->cert(0);
  REQUIRE_FALSE(missing_cert.ok());
  CHECK(missing_cert.error() == "no block at height 0");

  // The transaction index names height and position.
  auto loc = s->find_tx(b1.first.txs[1].id());
  REQUIRE(loc);
  CHECK(loc->height == 1);
  CHECK(loc->index == 1);
  loc = s->find_tx(b3.first.txs[0].id());
  REQUIRE(loc);
  CHECK(loc->height == 3);
  CHECK(loc->index == 0);
  CHECK_FALSE(s->find_tx(crypto::tagged_hash("nope", as_bytes("x"))));
}

TEST_CASE("block store: heights are never overwritten or skipped") {
  TempDir dir;
  auto s = open_ok(dir);
  ChainBuilder cb;
  auto b1 = cb.next({});
  auto b2 = cb.next({});
  auto b3 = cb.next({});

  Status skip = append(*s, b2);
  REQUIRE_FALSE(skip.ok());
  CHECK(skip.error() == "expected height 1, got 2");

  REQUIRE(append(*s, b1).ok());
  Status again = append(*s, b1);
  REQUIRE_FALSE(again.ok());
  CHECK(again.error() == "height 1 is already committed; heights are never overwritten");

  // A rival block at height 1 is refused just the same.
  ChainBuilder rival;
  auto r1 = rival.next({make_tx(2, 0, RevokeBody{res("10.9.0.0/24")})});
  CHECK_FALSE(append(*s, r1).ok());
  CHECK(s->block(1)->encode() == b1.first.encode());

  SUBCASE("a certificate for another height is refused") {
    auto bad = b2;
    bad.second.height = 3;
    Status st = append(*s, bad);
    REQUIRE_FALSE(st.ok());
    CHECK(s->tip_height() == 1);
  }
  SUBCASE("a certificate for another block is refused") {
    auto bad = b2;
    bad.second.block_hash = b3.second.block_hash;
    Status st = append(*s, bad);
    REQUIRE_FALSE(st.ok());
    CHECK(st.error().find("height 2") != std::string::npos);
    CHECK(s->tip_height() == 1);
    CHECK_FALSE(s->block(2).ok());
  }
  SUBCASE("the next height is accepted") {
    CHECK(append(*s, b2).ok());
    CHECK(s->tip_height() == 2);
  }
}

TEST_CASE("block store: a ledger of another genesis is refused") {
  TempDir dir;
  {
    auto s = open_ok(dir);
    ChainBuilder cb;
    REQUIRE(append(*s, cb.next({})).ok());
  }
  crypto::Hash32 other = crypto::tagged_hash("test-genesis", as_bytes("another"));
  auto s = BlockStore::open(dir.str(), other);
  REQUIRE_FALSE(s.ok());
  CHECK(s.error() == dir.str() + " holds a ledger for another genesis (stored " + kGenesis.hex() +
                         ", expected " + other.hex() + ")");
  // The right genesis still opens after the refusal released the lock.
  CHECK(open_ok(dir)->tip_height() == 1);
}

TEST_CASE("block store: an empty fresh ledger refuses another genesis too") {
  TempDir dir;
  open_ok(dir);
  CHECK_FALSE(BlockStore::open(dir.str(), crypto::Hash32{}).ok());
}

TEST_CASE("block store: history returns overlapping ranges newest first, a page at a time") {
  TempDir dir;
  auto s = open_ok(dir);
  ChainBuilder cb;
  // Height 1: two IPv4 ranges and an ASN range.
  REQUIRE(append(*s, cb.next({
                         make_tx(2, 0, DelegateBody{res("10.0.0.0/8"), account(3)}),
                         make_tx(2, 1, DelegateBody{res("192.0.2.0/24"), account(4)}),
                         make_tx(2, 2, DelegateBody{res("AS64496-AS64511"), account(4)}),
                     }))
              .ok());
  // Height 2: a transfer inside 10/8, an authorization, a key rotation.
  REQUIRE(append(*s, cb.next({
                         make_tx(3, 0, TransferBody{res("10.1.0.0/16"), account(5)}),
                         make_tx(5, 0, AuthorizeBody{res("10.1.0.0/20"), 24, 64496}),
                         make_tx(4, 0, RotateKeyBody{key(6).public_key()}),
                     }))
              .ok());
  // Height 3: an IPv6 range and metadata on a range that starts before 10.1/16.
  Metadata meta;
  meta.name = "EXAMPLE";
  REQUIRE(append(*s, cb.next({
                         make_tx(3, 1, RenewBody{res("2001:db8::/32"), 1800000000}),
                         make_tx(3, 2, SetMetadataBody{res("10.0.0.0-10.1.0.255"), meta}),
                         make_tx(5, 1, WithdrawBody{res("10.1.0.0/20"), 24, 64496}),
                     }))
              .ok());

  auto positions = [&](const Resource& r, size_t limit = 100, std::optional<TxLocation> before = {}) {
    auto page = s->history(r, limit, before);
    REQUIRE_MESSAGE(page.ok(), (page.ok() ? "" : page.error()));
    std::vector<std::pair<uint64_t, uint32_t>> out;
    for (const auto& e : page->entries) out.emplace_back(e.height, e.index);
    return std::make_pair(out, page->next);
  };
  using Order = std::vector<std::pair<uint64_t, uint32_t>>;
  // 10/8 (1,0), 10.1/16 (2,0), 10.1.0/20 (2,1 and 3,2), 10.0.0.0-10.1.0.255 (3,1).
  auto [all, none] = positions(res("10.1.0.0/24"));
  CHECK(all == Order{{3, 2}, {3, 1}, {2, 1}, {2, 0}, {1, 0}});
  CHECK_FALSE(none);

  // Pages: two, two, one; each cursor carries on where the last page ended.
  auto [p1, c1] = positions(res("10.1.0.0/24"), 2);
  CHECK(p1 == Order{{3, 2}, {3, 1}});
  REQUIRE(c1);
  auto [p2, c2] = positions(res("10.1.0.0/24"), 2, c1);
  CHECK(p2 == Order{{2, 1}, {2, 0}});
  REQUIRE(c2);
  auto [p3, c3] = positions(res("10.1.0.0/24"), 2, c2);
  CHECK(p3 == Order{{1, 0}});
  CHECK_FALSE(c3);
  CHECK(positions(res("10.1.0.0/24"), 0).first.empty());

  // Only ranges that touch the query count; touching one end is overlap.
  CHECK(positions(res("10.1.0.255-10.1.1.0")).first.size() == 5);
  CHECK(positions(res("10.200.0.0/16")).first == Order{{1, 0}});
  CHECK(positions(res("9.0.0.0/8")).first.empty());
  CHECK(positions(res("0.0.0.0/0")).first.size() == 6);  // everything IPv4, 192.0.2/24 too
  // A block's entries in one list share a posting: pages of one cut inside it.
  Order one_by_one;
  std::optional<TxLocation> cursor;
  do {
    auto [p, c] = positions(res("0.0.0.0/0"), 1, cursor);
    one_by_one.insert(one_by_one.end(), p.begin(), p.end());
    cursor = c;
  } while (cursor);
  CHECK(one_by_one == positions(res("0.0.0.0/0")).first);

  // Families don't mix.
  CHECK(positions(res("AS64500")).first == Order{{1, 2}});
  CHECK(positions(res("2001:db8:1::/48")).first == Order{{3, 0}});
  CHECK(positions(res("192.0.2.128/25")).first == Order{{1, 1}});
  CHECK(positions(res("AS1")).first.empty());
}

// The index must not read unrelated history: 2,000 transactions elsewhere
// cost a query on one /24 nothing (the scan it replaced read them all).
TEST_CASE("block store: a history page reads only what it returns, however much else is recorded") {
  TempDir dir;
  auto s = open_ok(dir);
  ChainBuilder cb;
  std::mt19937_64 rng(7);
  uint64_t nonce = 0;
  for (int b = 0; b < 20; ++b) {
    std::vector<Transaction> txs;
    for (int i = 0; i < 100; ++i) {
      // Anywhere in 11.0.0.0-99.255.255.255, as /16 to /28 prefixes, and
      // containing ranges above the queried /24: 10/8 and 0/0 never.
      const int len = 16 + static_cast<int>(rng() % 13);
      const u128 first = (u128(11) << 24) + (rng() % (89ull << 24));
      const u128 host = (u128(1) << (32 - len)) - 1;
      txs.push_back(make_tx(2, nonce++, DelegateBody{Resource{Family::ipv4, first & ~host, (first & ~host) | host},
                                                     account(3)}));
    }
    if (b % 4 == 0) txs.push_back(make_tx(2, nonce++, SetMetadataBody{res("10.1.2.0/24"), Metadata{}}));
    if (b % 5 == 0) txs.push_back(make_tx(2, nonce++, DelegateBody{res("10.1.0.0/16"), account(3)}));
    REQUIRE(append(*s, cb.next(std::move(txs))).ok());
  }
  auto page = s->history(res("10.1.2.0/24"), 3);
  REQUIRE(page.ok());
  REQUIRE(page->entries.size() == 3);
  CHECK(page->entries[0] == TxLocation{17, 100});  // the newest first
  // Query lists: under(10.1.2.0/24) and exact() of its 24 ancestors.
  CHECK(page->stats.lists == 25);
  // Three entries, the look-ahead of the lists that had one, and no more.
  CHECK(page->stats.keys_read <= 3 + 2 + 1);
  // Every page together is the whole answer: 5 + 4 entries, none twice.
  std::vector<TxLocation> seen;
  std::optional<TxLocation> before;
  do {
    auto p = s->history(res("10.1.2.0/24"), 2, before);
    REQUIRE(p.ok());
    seen.insert(seen.end(), p->entries.begin(), p->entries.end());
    before = p->next;
  } while (before);
  CHECK(seen.size() == 9);
  CHECK(std::is_sorted(seen.rbegin(), seen.rend()));
  CHECK(std::adjacent_find(seen.begin(), seen.end()) == seen.end());
}

// A ledger written before this index (or with a damaged format mark) gets
// the index rebuilt from its blocks when it opens.
TEST_CASE("block store: a history index of another format is rebuilt on open") {
  TempDir dir;
  ChainBuilder cb;
  {
    auto s = open_ok(dir);
    REQUIRE(append(*s, cb.next({make_tx(2, 0, DelegateBody{res("10.0.0.0/8"), account(3)})})).ok());
    REQUIRE(append(*s, cb.next({make_tx(3, 0, TransferBody{res("10.1.0.0/16"), account(4)})})).ok());
  }
  // What an older format left: no format mark, and a 29-byte key with an
  // empty value where the posting list of 0.0.0.0/0 lies now.
  edit_raw(dir, [](rocksdb::DB& raw, const std::vector<rocksdb::ColumnFamilyHandle*>& cf) {
    REQUIRE(raw.Delete(rocksdb::WriteOptions(), cf[6], "history_format").ok());
    std::string stray(29, '\0');
    stray[0] = static_cast<char>(Family::ipv4);
    stray[1] = 1;  // under
    REQUIRE(raw.Put(rocksdb::WriteOptions(), cf[5], stray, "").ok());
  });
  auto s = open_ok(dir);
  auto page = s->history(res("0.0.0.0/0"), 10);
  REQUIRE_MESSAGE(page.ok(), (page.ok() ? "" : page.error()));  // a stray key would be refused
  CHECK(page->entries == std::vector<TxLocation>{{2, 0}, {1, 0}});
}

// A posting whose value is not a descending list of indexes is refused
// with the reason, not read past.
TEST_CASE("block store: a damaged history posting is refused with the reason") {
  for (const auto& [value, reason] : std::vector<std::pair<std::string, std::string>>{
           {std::string(3, '\0'), "posting of 3 bytes"},
           {"", "posting of 0 bytes"},
           {std::string("\0\0\0\1\0\0\0\2", 8), "out of order"}}) {
    TempDir dir;
    {
      auto s = open_ok(dir);
      ChainBuilder cb;
      REQUIRE(append(*s, cb.next({make_tx(2, 0, DelegateBody{res("10.0.0.0/8"), account(3)})})).ok());
    }
    edit_raw(dir, [&](rocksdb::DB& raw, const std::vector<rocksdb::ColumnFamilyHandle*>& cf) {
      std::unique_ptr<rocksdb::Iterator> it(raw.NewIterator(rocksdb::ReadOptions(), cf[5]));
      size_t damaged = 0;
      for (it->SeekToFirst(); it->Valid(); it->Next(), ++damaged)
        REQUIRE(raw.Put(rocksdb::WriteOptions(), cf[5], it->key(), value).ok());
      CHECK(damaged == 4);  // the /8's lists: exact, and under() at lengths 0, 4 and 8
    });
    auto s = open_ok(dir);
    auto page = s->history(res("10.0.0.0/8"), 10);
    REQUIRE_FALSE(page.ok());
    CHECK_MESSAGE(page.error().find(reason) != std::string::npos, page.error());
  }
}

TEST_CASE("block store: state puts and deletes persist in key order") {
  TempDir dir;
  ChainBuilder cb;
  {
    auto s = open_ok(dir);
    REQUIRE(append(*s, cb.next({}), {put("b", "2"), put("a", "1"), put("c", "3")}).ok());
    REQUIRE(append(*s, cb.next({}), {del("b"), put("a", "1'"), put("\x01", "0")}).ok());
    CHECK(dump_state(*s).size() == 3);
  }
  auto s = open_ok(dir);
  using KV = std::vector<std::pair<std::string, std::string>>;
  CHECK(dump_state(*s) == KV{{"\x01", "0"}, {"a", "1'"}, {"c", "3"}});

  // The first failing callback stops the walk and its reason comes back.
  int calls = 0;
  Status st = s->for_each_state([&](ByteView, ByteView) -> Status {
    if (++calls == 2) return fail("stop here");
    return Status::success();
  });
  REQUIRE_FALSE(st.ok());
  CHECK(st.error() == "stop here");
  CHECK(calls == 2);
}

TEST_CASE("block store: verify_chain accepts a good chain and names a tampered height") {
  TempDir dir;
  ChainBuilder cb;
  {
    auto s = open_ok(dir);
    CHECK(s->verify_chain(kGenesis).ok());  // empty ledger
    for (int i = 0; i < 4; ++i)
      REQUIRE(append(*s, cb.next({make_tx(2, i, ReturnBody{res("10.0.0.0/24")})})).ok());
    Status ok = s->verify_chain(kGenesis);
    CHECK_MESSAGE(ok.ok(), (ok.ok() ? "" : ok.error()));

    // Height 1 must link to the genesis it is checked against.
    Status other = s->verify_chain(crypto::Hash32{});
    REQUIRE_FALSE(other.ok());
    CHECK(other.error().find("height 1") != std::string::npos);
  }
  // Corrupted from outside while the store is closed, as a disk fault would.
  REQUIRE(test::tamper_block(dir.str(), 3).ok());
  CHECK_FALSE(test::tamper_block(dir.str(), 9).ok());
  auto s = open_ok(dir);
  auto b = s->block(3);
  REQUIRE(b.ok());  // still decodes
  CHECK(b->header.hash() != s->cert(3)->block_hash);
  Status bad = s->verify_chain(kGenesis);
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().find("height 3") != std::string::npos);
  CHECK(bad.error().find("height 2") == std::string::npos);
}

TEST_CASE("block store: verify_chain notices a broken link and a wrong last commit") {
  TempDir dir;
  auto s = open_ok(dir);
  ChainBuilder cb;
  REQUIRE(append(*s, cb.next({})).ok());

  SUBCASE("broken link") {
    auto b2 = cb.next({});
    b2.first.header.prev_hash = crypto::Hash32{};
    b2.second.block_hash = b2.first.header.hash();
    REQUIRE(append(*s, b2).ok());
    Status st = s->verify_chain(kGenesis);
    REQUIRE_FALSE(st.ok());
    CHECK(st.error() == "block at height 2 does not link to height 1");
  }
  SUBCASE("wrong last commit") {
    auto b2 = cb.next({});
    b2.first.last_commit->round = 7;
    REQUIRE(append(*s, b2).ok());
    Status st = s->verify_chain(kGenesis);
    REQUIRE_FALSE(st.ok());
    CHECK(st.error().find("height 2") != std::string::npos);
  }
}

TEST_CASE("block store: a second open of a ledger in use is an error, not a crash") {
  TempDir dir;
  auto first = open_ok(dir);
  auto second = BlockStore::open(dir.str(), kGenesis);
  REQUIRE_FALSE(second.ok());
  CHECK(second.error().find(dir.str()) != std::string::npos);
  CHECK(second.error().find("lock") != std::string::npos);
  // The first store is unaffected.
  ChainBuilder cb;
  CHECK(append(*first, cb.next({})).ok());
}

TEST_CASE("block store: a path that can't hold a database is an error") {
  TempDir dir;
  std::filesystem::create_directories(dir.path);
  auto file = dir.path / "plain-file";
  std::ofstream(file) << "not a database";
  auto s = BlockStore::open(file.string(), kGenesis);
  REQUIRE_FALSE(s.ok());
  CHECK(s.error().find(file.string()) != std::string::npos);
}
