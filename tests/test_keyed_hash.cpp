#include <doctest/doctest.h>

#include <cstring>
#include <unordered_map>
#include <unordered_set>

#include "crypto/keyed_hash.h"
#include "ledger/account.h"
#include "tests/support/fixtures.h"

using namespace nl;

TEST_CASE("keyed_hash64: stable within a process, spread over accounts, and not the key's own bytes") {
  std::unordered_set<uint64_t> values;
  size_t equal_to_prefix = 0;
  for (int i = 0; i < 10000; ++i) {
    const ledger::AccountId a{crypto::SecretKey::generate().public_key()};
    const uint64_t h = ledger::AccountIdHash{}(a);
    CHECK(h == crypto::keyed_hash64(a.key.b));
    CHECK(h == ledger::AccountIdHash{}(ledger::AccountId{a.key}));
    uint64_t prefix = 0;
    std::memcpy(&prefix, a.key.b.data(), sizeof prefix);
    equal_to_prefix += h == prefix;
    values.insert(h);
  }
  CHECK(values.size() == 10000);
  CHECK(equal_to_prefix == 0);
  // Inputs one byte apart hash apart; the empty input hashes too.
  Bytes x(32, 0), y(32, 0);
  y[31] = 1;
  CHECK(crypto::keyed_hash64(x) != crypto::keyed_hash64(y));
  CHECK(crypto::keyed_hash64(Bytes{}) == crypto::keyed_hash64(Bytes{}));
}

TEST_CASE("AccountIdHash keys an unordered_map by account") {
  std::unordered_map<ledger::AccountId, int, ledger::AccountIdHash> m;
  for (int i = 1; i <= 200; ++i) m[test::seeded_account(static_cast<uint8_t>(i))] = i;
  REQUIRE(m.size() == 200);
  for (int i = 1; i <= 200; ++i) CHECK(m.at(test::seeded_account(static_cast<uint8_t>(i))) == i);
  CHECK(!m.contains(test::seeded_account(201)));
}
