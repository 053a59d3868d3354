// Key recovery with a time lock (issue 15, item 3) on a real chain: a lost
// key recovered after the delay, a stolen recovery key stopped by the
// holder, a recovery used before its delay refused, M of N, and a proof
// of control after a recovery verified offline with its custody chain.
#include <doctest/doctest.h>

#include <algorithm>
#include <string>

#include "ledger/chain.h"
#include "ledger/control_proof.h"
#include "support/chain_fixture.h"
#include "support/fixtures.h"
#include "support/proof_edit.h"

using namespace nl;
using namespace nl::ledger;
using test::certify;

namespace {

constexpr auto& key = test::seeded_key;
constexpr auto& pub = test::seeded_pub;
constexpr auto& acct = test::seeded_account;
using test::signed_as;
Resource res(const char* text) { return Resource::parse(text).value(); }
bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

SetRecoveryBody policy(uint8_t threshold, std::vector<uint8_t> accounts, uint64_t delay) {
  SetRecoveryBody b;
  b.threshold = threshold;
  for (uint8_t a : accounts) b.accounts.push_back(acct(a));
  std::sort(b.accounts.begin(), b.accounts.end());
  b.delay = delay;
  return b;
}

constexpr uint64_t kDay = 86400;

size_t recover_index(const ControlProof& p) {
  for (size_t i = 0; i < p.custody.size(); ++i)
    if (std::holds_alternative<RecoverBody>(p.custody[i].tx.body)) return i;
  FAIL("the proof carries no recover");
  return 0;
}

struct Fx : test::ChainFixture {
  Fx() : ChainFixture("nl-recovery") {}
  // The block's refusals (empty: all accepted).
  std::vector<std::string> next(const std::vector<Transaction>& txs, uint64_t advance = 10) {
    auto p = commit_next(txs, {100, 101, 102}, advance);
    std::vector<std::string> out;
    for (const auto& r : p.rejected) out.push_back(r.reason);
    return out;
  }
  void ok(const std::vector<Transaction>& txs, uint64_t advance = 10) {
    auto refused = next(txs, advance);
    for (const auto& r : refused) FAIL_CHECK(r);
  }
  std::string refused(const Transaction& tx, uint64_t advance = 10) {
    auto r = next({tx}, advance);
    REQUIRE(r.size() == 1);
    return r[0];
  }
  // 2 holds 10.1.0.0/16 and names 5, 6 and 7 as recovery accounts.
  void setup(uint8_t threshold) {
    ok({test::delegate("10.1.0.0/16", 1, 2, 1)});
    ok({signed_as(policy(threshold, {5, 6, 7}, kDay), 2, 2, 1)});
  }
};

}  // namespace

TEST_CASE_FIXTURE(Fx, "recovery: a lost key is recovered after the delay, and not before") {
  setup(2);
  // 2's key is lost; 5 and 6 move the account to key 22, which co-signs.
  ok({signed_as(RecoverBody{acct(2), pub(22)}, 5, 5, 1, {6, 22})});
  auto rs = chain->registry().recovery(acct(2));
  REQUIRE(rs.has_value());
  REQUIRE(rs->pending.has_value());
  CHECK(rs->pending->new_key == pub(22));
  CHECK(rs->pending->effective_at == time + kDay);
  CHECK(rs->pending->started_by == acct(5));

  // Before the delay the new key does nothing.
  const Transaction early = signed_as(DelegateBody{res("10.1.1.0/24"), acct(8)}, 2, 22, 2);
  CHECK(contains(refused(early), "not signed by the current key of " + acct(2).to_string()));
  // After it, the new key signs and the old one no longer does.
  CHECK(contains(refused(signed_as(DelegateBody{res("10.1.1.0/24"), acct(8)}, 2, 2, 2), kDay), "not signed by the current key"));
  ok({signed_as(DelegateBody{res("10.1.1.0/24"), acct(8)}, 2, 22, 2)});
  CHECK(chain->registry().current_key(acct(2)) == pub(22));
  CHECK(!chain->registry().recovery(acct(2))->pending.has_value());
  // The state survives a restart, and is read from the store, not held.
  open();
  CHECK(chain->registry().recoveries_held() == 0);
  CHECK(chain->registry().current_key(acct(2)) == pub(22));
  CHECK(chain->registry().recovery(acct(2))->threshold == 2);
}

TEST_CASE_FIXTURE(Fx, "recovery: M of N; fewer recovery signatures are refused") {
  setup(2);
  CHECK(contains(refused(signed_as(RecoverBody{acct(2), pub(22)}, 5, 5, 1, {22})),
                 "signed by 1 of the 3 recovery accounts of " + acct(2).to_string() + "; 2 must sign"));
  CHECK(contains(refused(signed_as(RecoverBody{acct(2), pub(22)}, 9, 9, 1, {5, 22})), "is not a recovery account"));
  // A signature by a key the recover does not need pads it.
  CHECK(contains(refused(signed_as(RecoverBody{acct(2), pub(22)}, 5, 5, 1, {6, 22, 9})), "is not one a recover needs"));
  CHECK(contains(refused(signed_as(RecoverBody{acct(2), pub(22)}, 5, 5, 1, {6})), "needs the new key's co-signature"));
  ok({signed_as(RecoverBody{acct(2), pub(22)}, 5, 5, 1, {7, 22})});
  CHECK(chain->registry().recovery(acct(2))->pending.has_value());
  // One recovery at a time.
  CHECK(contains(refused(signed_as(RecoverBody{acct(2), pub(23)}, 6, 6, 1, {7, 23})), "already pending"));
}

TEST_CASE_FIXTURE(Fx, "recovery: a stolen recovery key is stopped by the holder within the delay") {
  setup(1);
  // The thief holds 5's key and tries to take 2's account to key 66.
  ok({signed_as(RecoverBody{acct(2), pub(66)}, 5, 5, 1, {66})});
  // 2 sees pending_recovery and cancels with its current key.
  ok({signed_as(CancelRecoveryBody{}, 2, 2, 2)});
  CHECK(!chain->registry().recovery(acct(2))->pending.has_value());
  // Past the delay, the thief's key still signs nothing for 2, and 2's does.
  CHECK(contains(refused(signed_as(DelegateBody{res("10.1.1.0/24"), acct(66)}, 2, 66, 3), 2 * kDay),
                 "not signed by the current key"));
  ok({signed_as(DelegateBody{res("10.1.1.0/24"), acct(8)}, 2, 2, 3)});
  CHECK(chain->registry().current_key(acct(2)) == pub(2));
  // A cancel after the delay is too late: the recovery took effect.
  ok({signed_as(RecoverBody{acct(2), pub(66)}, 5, 5, 2, {66})});
  CHECK(contains(refused(signed_as(CancelRecoveryBody{}, 2, 2, 4), kDay + 1), "not signed by the current key"));
  CHECK(contains(refused(signed_as(CancelRecoveryBody{}, 2, 66, 4)), "took effect at"));
}

TEST_CASE_FIXTURE(Fx, "recovery: the policy's own rules") {
  ok({test::delegate("10.1.0.0/16", 1, 2, 1)});
  CHECK(contains(refused(signed_as(policy(1, {5}, 60), 2, 2, 1)), "outside 3600 s"));
  CHECK(contains(refused(signed_as(policy(2, {5}, kDay), 2, 2, 1)), "threshold 2 must be between 1 and the 1"));
  CHECK(contains(refused(signed_as(policy(1, {2, 5}, kDay), 2, 2, 1)), "names the account itself"));
  CHECK(contains(refused(signed_as(policy(1, {5}, kDay), 9, 9, 1)), "holds nothing"));
  CHECK(contains(refused(signed_as(RecoverBody{acct(2), pub(22)}, 5, 5, 1, {22})), "has named no recovery accounts"));
  CHECK(contains(refused(signed_as(CancelRecoveryBody{}, 2, 2, 1)), "no recovery of"));
}

TEST_CASE_FIXTURE(Fx, "recovery: a proof after a recovery verifies offline and its custody follows the new key") {
  setup(2);
  ok({signed_as(RecoverBody{acct(2), pub(22)}, 5, 5, 1, {6, 22})});
  ok({signed_as(DelegateBody{res("10.1.7.0/24"), acct(8)}, 2, 22, 2)}, kDay);
  auto p = chain->prove_control(res("10.1.7.0/24"));
  REQUIRE_MESSAGE(p.ok(), p.error());
  auto back = ControlProof::decode(p->encode());
  REQUIRE_MESSAGE(back.ok(), back.error());
  auto ans = verify_control_proof(*back, g);
  REQUIRE_MESSAGE(ans.ok(), ans.error());
  CHECK(ans->parts[0].holding.holder == acct(8));
  CHECK(ans->custody->hops == 2);
  CHECK(ans->custody->key_changes == 2);  // set-recovery and recover
  // Without the recover, the delegate is not signed by 2's key of its moment.
  size_t recover = recover_index(*back);
  auto r = verify_control_proof(test::without_hop(*back, recover), g);
  REQUIRE(!r.ok());
  CHECK_MESSAGE(contains(r.error(), "is not signed by the key of " + acct(2).to_string()), r.error());
}
