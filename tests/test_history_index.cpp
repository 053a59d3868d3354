#include <doctest/doctest.h>

#include <algorithm>

#include "ledger/history_index.h"

using namespace nl;
using namespace nl::ledger;
using history_index::CidrBlock;

namespace {

Resource res(const char* text) {
  auto r = Resource::parse(text);
  REQUIRE_MESSAGE(r.ok(), text);
  return *r;
}

std::vector<std::string> blocks_of(const char* text) {
  const Resource r = res(text);
  std::vector<std::string> out;
  for (const CidrBlock& b : history_index::cidr_blocks(r.family, r.first, r.last)) {
    const int bits = family_bits(r.family);
    const u128 host = b.length == 0 ? family_max(r.family) : (u128(1) << (bits - b.length)) - 1;
    out.push_back(Resource{r.family, b.first, b.first | host}.to_string());
  }
  return out;
}

}  // namespace

TEST_CASE("history index: a range is cut into the fewest CIDR blocks") {
  using V = std::vector<std::string>;
  CHECK(blocks_of("10.0.0.0/8") == V{"10.0.0.0/8"});
  CHECK(blocks_of("10.0.0.1") == V{"10.0.0.1/32"});
  // 768 addresses, as the RIR files count them: a /23 and a /24.
  CHECK(blocks_of("196.0.0.0-196.0.2.255") == V{"196.0.0.0/23", "196.0.2.0/24"});
  CHECK(blocks_of("10.0.0.255-10.0.1.0") == V{"10.0.0.255/32", "10.0.1.0/32"});
  CHECK(blocks_of("0.0.0.0/0") == V{"0.0.0.0/0"});
  CHECK(blocks_of("::/0") == V{"::/0"});
  CHECK(blocks_of("0.0.0.1-255.255.255.255").size() == 32);
  CHECK(blocks_of("::1-ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe").size() == 254);
  CHECK(blocks_of("AS64496-AS64511") == V{"AS64496-AS64511"});
}

TEST_CASE("history index: a transaction is posted exact under its blocks and under their stride ancestors") {
  // A /24: exact(/24) and under() at lengths 0, 4, ..., 24.
  CHECK(history_index::lists_for(res("10.1.2.0/24")).size() == 1 + 7);
  CHECK(history_index::lists_for(res("10.1.2.0/30")).size() == 1 + 8);
  CHECK(history_index::lists_for(res("2001:db8::/48")).size() == 1 + 13);
  // Two blocks share ancestors: 2 exact, under() at 0..20 (shared) and
  // under(196.0.2.0/24); the /23 is at no stride length.
  CHECK(history_index::lists_for(res("196.0.0.0-196.0.2.255")).size() == 2 + 6 + 1);
  // The worst IPv6 range stays in the hundreds of lists.
  CHECK(history_index::lists_for(res("::1-ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe")).size() < 400);
}

TEST_CASE("history index: a block's transactions in one list share its posting, newest first") {
  auto set_metadata = [](const char* r) {
    Transaction tx;
    tx.body = SetMetadataBody{res(r), Metadata{}};
    return tx;
  };
  const std::vector<Transaction> txs{set_metadata("10.1.2.0/24"), set_metadata("10.1.3.0/24"),
                                     set_metadata("10.1.2.0/24"), set_metadata("192.0.2.0/24")};
  const auto postings = history_index::postings_for_block(txs, 7);
  // 10.1.2/24 and 10.1.3/24 share under() at 0 to 20 (6 lists, and 0.0.0.0/0
  // with 192.0.2/24 too); each has its own exact and under at /24; 192.0.2/24
  // has 7 of its own beside 0.0.0.0/0.
  CHECK(postings.size() == 6 + 2 + 2 + 7);
  size_t entries = 0;
  for (size_t i = 0; i < postings.size(); ++i) {
    if (i > 0) CHECK(postings[i - 1].key < postings[i].key);
    REQUIRE(postings[i].value.size() % 4 == 0);
    entries += postings[i].value.size() / 4;
  }
  CHECK(entries == 3 * 8 + 8);  // one entry per transaction and list, none dropped
  // The list of 0.0.0.0/0 holds all four, the newest (index 3) first.
  auto everything = std::find_if(postings.begin(), postings.end(),
                                 [](const auto& p) { return p.key[1] == 1 && p.key[2] == 0; });  // under, length 0
  REQUIRE(everything != postings.end());
  CHECK(everything->value == Bytes{0, 0, 0, 3, 0, 0, 0, 2, 0, 0, 0, 1, 0, 0, 0, 0});
  // A newer block's posting of the same list sorts first.
  const auto newer = history_index::postings_for_block(txs, 8);
  REQUIRE(newer.size() == postings.size());
  for (size_t i = 0; i < postings.size(); ++i) CHECK(newer[i].key < postings[i].key);
  CHECK(history_index::postings_for_block({}, 7).empty());
}

TEST_CASE("history index: a query that would open too many lists is refused with the reason") {
  CHECK(history_index::check_query(res("0.0.0.1-255.255.255.254")).ok());  // the worst IPv4 range
  CHECK(history_index::check_query(res("2001:db8::/48")).ok());
  auto worst = history_index::check_query(res("::1-ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe"));
  REQUIRE_FALSE(worst.ok());
  CHECK(worst.error().find("254 CIDR blocks") != std::string::npos);
  CHECK(worst.error().find("ask for its parts") != std::string::npos);
}
