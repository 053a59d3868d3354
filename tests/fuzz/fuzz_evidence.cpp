// Equivocation evidence (double votes and double proposals): exact round trip, so the decoder is canonical (a
// swapped pair must be refused by decode itself), and the check of what
// decodes must not crash.
#include "fuzz_check.h"
#include "ledger/evidence.h"
#include "ledger/validator_set.h"
#include "support/fixtures.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace nl;
  static const ledger::ValidatorSet set{{{test::seeded_key(4).public_key(), 1}}};
  auto in = fuzz::bytes_of(data, size);
  auto e = ledger::Evidence::decode(in);
  if (!e) return 0;
  fuzz::require_same_bytes(in, e->encode(), "evidence: decode then encode changed the bytes");
  if (const auto* v = e->vote())
    fuzz::require(v->a.block_hash < v->b.block_hash, "evidence: decoded a vote pair out of canonical order");
  if (const auto* p = e->proposal())
    fuzz::require(p->a.value_id < p->b.value_id, "evidence: decoded a proposal pair out of canonical order");
  (void)e->check(test::test_genesis_hash(1), set);
  return 0;
}
