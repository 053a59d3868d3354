// A chain's registry keeps its committed holdings, authorizations,
// segments and account states in the store (stored_entries.h): only a
// block's changes in progress are held in memory, none once it is committed or undone, and a restart reads
// them from the store without holding any.
#include <doctest/doctest.h>

#include "ledger/chain.h"
#include "support/fixtures.h"
#include "support/process.h"

using namespace nl;
using namespace nl::ledger;

namespace {

Resource r(const char* s) { return Resource::parse(s).value(); }

std::unique_ptr<Chain> open_chain(const std::string& dir, const Genesis& g) {
  auto c = Chain::open(dir, g);
  REQUIRE_MESSAGE(c.ok(), c.error());
  return std::move(*c);
}

Block build(Chain& c, const std::vector<Transaction>& txs, uint64_t time) {
  auto p = c.propose(txs, time, test::seeded_pub(100), SignatureCheck::verify);
  for (const auto& rej : p.rejected) FAIL_CHECK(rej.reason);
  REQUIRE(p.rejected.empty());
  return p.block;
}

std::vector<std::string> prefixes(const std::vector<Authorization>& as) {
  std::vector<std::string> out;
  for (const auto& a : as) out.push_back(a.prefix.to_string() + " AS" + std::to_string(a.asn));
  return out;
}

// Nothing held: no holding, authorization, segment, account or recovery state.
bool holds_none(const Registry& reg) {
  return reg.holdings_held() == 0 && reg.authorizations_held() == 0 && reg.segments_held() == 0 &&
         reg.accounts_held() == 0 && reg.recoveries_held() == 0;
}

}  // namespace

TEST_CASE(
    "chain: holdings, authorizations, segments and accounts are read from the store; only a block in progress holds "
    "any") {
  test::TempDir dir{"nl-chain-auth"};
  const Genesis g = test::test_genesis(4);
  auto chain = open_chain(dir / "a", g);
  uint64_t time = 1700000100;
  auto commit = [&](const std::vector<Transaction>& txs) {
    Block b = build(*chain, txs, time += 10);
    REQUIRE(test::commit_block(*chain, b, test::certify(b, {100, 101, 102})).ok());
    CHECK(holds_none(chain->registry()));
  };
  commit({test::delegate("10.1.0.0/16", 1, 2, 1), test::delegate("10.2.0.0/16", 1, 3, 2)});
  commit({test::signed_tx(AuthorizeBody{r("10.1.0.0/16"), 24, 64496}, 2, 1),
          test::signed_tx(AuthorizeBody{r("10.2.0.0/24"), 24, 64497}, 3, 1),
          test::signed_tx(AuthorizeBody{r("10.2.1.0/24"), 24, 64497}, 3, 2)});
  const Registry& reg = chain->registry();
  const std::vector<std::string> three = {"10.1.0.0/16 AS64496", "10.2.0.0/24 AS64497", "10.2.1.0/24 AS64497"};
  CHECK(reg.authorization_count() == 3);
  CHECK(prefixes(reg.authorizations()) == three);
  CHECK(prefixes(reg.authorizations_overlapping(r("10.2.0.0/23"))) ==
        std::vector<std::string>{"10.2.0.0/24 AS64497", "10.2.1.0/24 AS64497"});

  // A withdrawal and a transfer that lapses the other two: checked, then
  // undone, then committed.
  auto transfer = test::signed_tx(TransferBody{r("10.2.0.0/16"), test::seeded_account(7)}, 3, 3);
  transfer.sign(test::seeded_key(7));
  const std::vector<Transaction> txs = {test::signed_tx(WithdrawBody{r("10.1.0.0/16"), 24, 64496}, 2, 2),
                                        test::signed_tx(AuthorizeBody{r("10.1.2.0/24"), 24, 64499}, 2, 3), transfer};
  Block b3 = build(*chain, txs, time += 10);
  CHECK(holds_none(reg));
  CHECK(prefixes(reg.authorizations()) == three);
  auto dry = chain->dry_run(txs, time, SignatureCheck::verify);
  CHECK(dry.rejected.empty());
  CHECK(holds_none(reg));
  auto prepared = chain->prepare(b3);
  REQUIRE(prepared.ok());
  CHECK(holds_none(reg));
  CHECK(reg.authorization_count() == 3);
  REQUIRE(chain->commit(*prepared, test::certify(b3, {100, 101, 102})).ok());
  CHECK(holds_none(reg));
  CHECK(prefixes(reg.authorizations()) == std::vector<std::string>{"10.1.2.0/24 AS64499"});
  const crypto::Hash32 root = chain->state_root();
  auto page = reg.authorizations(std::nullopt, 10);
  REQUIRE(page.size() == 1);
  // 10.0.0.0/8's segments: the root's before, between and after the two /16s.
  const auto segments = reg.segments_covering(r("10.0.0.0/8"));
  REQUIRE(segments.size() == 4);
  CHECK(segments[2].range == r("10.2.0.0/16"));
  CHECK(reg.segment_at(Family::ipv4, r("10.2.0.0/16").first + 5) == segments[2]);
  CHECK(reg.check_invariants().ok());

  const auto account3 = reg.account(test::seeded_account(3));
  REQUIRE(account3.has_value());
  const size_t holdings = reg.holding_count();
  const std::vector<Holding> of7 = reg.holdings_of(test::seeded_account(7));
  REQUIRE(of7.size() == 1);
  CHECK(of7[0].range == r("10.2.0.0/16"));

  // A restart holds none in memory and answers the same.
  chain.reset();
  auto reopened = open_chain(dir / "a", g);
  const Registry& again = reopened->registry();
  CHECK(reopened->state_root() == root);
  CHECK(holds_none(again));
  CHECK(again.authorization_count() == 1);
  CHECK(again.authorizations(std::nullopt, 10) == page);
  CHECK(prefixes(again.authorizations_overlapping(r("10.1.2.128/25"))) ==
        std::vector<std::string>{"10.1.2.0/24 AS64499"});
  CHECK(again.authorizations_overlapping(r("10.2.0.0/16")).empty());
  CHECK(again.segments_covering(r("10.0.0.0/8")) == segments);
  CHECK(again.segments_covering(r("10.1.128.0/17"), std::nullopt, 10) ==
        std::vector<Segment>{Segment{r("10.1.0.0/16"), segments[1].holding}});
  CHECK(again.coverage(r("10.2.0.0/16")).fully_held);
  // Account 2 signed three transactions, account 3 three and account 7 none.
  CHECK(again.next_nonce(test::seeded_account(2)) == 4);
  CHECK(again.next_nonce(test::seeded_account(3)) == 4);
  CHECK(again.account(test::seeded_account(3)) == account3);
  CHECK_FALSE(again.account(test::seeded_account(7)).has_value());
  // The holdings: counted, found by id, by holder and by range.
  CHECK(again.holding_count() == holdings);
  CHECK(again.holdings_of(test::seeded_account(7)) == of7);
  CHECK(again.holding(of7[0].id) == of7[0]);
  CHECK(again.chain(r("10.2.0.5")).back() == of7[0]);
  CHECK(again.all_holdings().size() == holdings);
  CHECK(again.check_invariants().ok());

  // A return deletes a stored holding: checked and undone first, which
  // leaves it stored and counted, then committed.
  auto give_back = test::signed_tx(ReturnBody{r("10.2.0.0/16")}, 7, 1);
  Block b4 = build(*reopened, {give_back}, time += 10);
  CHECK(holds_none(again));
  CHECK(again.holding_count() == holdings);
  CHECK(again.holding(of7[0].id) == of7[0]);
  REQUIRE(test::commit_block(*reopened, b4, test::certify(b4, {100, 101, 102})).ok());
  CHECK(holds_none(again));
  CHECK(again.holding_count() == holdings - 1);
  CHECK_FALSE(again.holding(of7[0].id).has_value());
  CHECK(again.holdings_of(test::seeded_account(7)).empty());
  CHECK(again.chain(r("10.2.0.5")).back().holder == test::seeded_account(1));
  CHECK(again.check_invariants().ok());
  const crypto::Hash32 root4 = reopened->state_root();
  reopened.reset();
  auto third = open_chain(dir / "a", g);
  CHECK(third->state_root() == root4);
  CHECK(third->registry().holding_count() == holdings - 1);
  CHECK(third->registry().check_invariants().ok());
}
