// RDAP path arguments (/ip/..., /autnum/...): a query parses to a resource
// of the right family or to a printable reason, and the lookup in the fuzz
// world's ledger answers. The first byte picks the query type.
#include "fuzz_check.h"
#include "fuzz_world.h"
#include "node/http/holding_lookup.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace nl;
  if (size == 0) return 0;
  auto& w = fuzz::world();
  const bool ip = data[0] & 1;
  auto text = fuzz::text_of(data + 1, size - 1);
  auto r = ip ? node::parse_ip_query(text) : node::parse_autnum_query(text);
  if (!r) {
    for (char c : r.error()) fuzz::require(c >= 0x20 && c < 0x7f, "rdap: a reason that is not printable ASCII");
    return 0;
  }
  fuzz::require((r->family == ledger::Family::asn) != ip, "rdap: a query answered in the wrong family");
  auto found = node::lookup_holding(*w.shared, *r);
  fuzz::require(found.ok(), "rdap: the fuzz world's ledger could not be read");
  (void)node::query_text(*r);
  return 0;
}
