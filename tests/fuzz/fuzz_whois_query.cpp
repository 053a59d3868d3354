// whois queries: any line gets an answer from the fuzz world's ledger (an
// object or a %ERROR line), and a resource that parses prints to text that
// parses back to it.
#include "fuzz_check.h"
#include "fuzz_world.h"
#include "node/http/holding_lookup.h"
#include "node/whois/whois_answer.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace nl;
  auto& w = fuzz::world();
  const std::string query(fuzz::text_of(data, size));
  std::string answer = node::whois_answer(*w.shared, query);
  fuzz::require(!answer.empty() && answer.back() == '\n', "whois: an answer that does not end its last line");
  if (auto r = node::parse_whois_query(query)) {
    auto again = ledger::Resource::parse(r->to_string());
    fuzz::require(again.ok() && *again == *r, "whois: a parsed resource does not print back to itself");
  }
  return 0;
}
