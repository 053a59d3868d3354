#include "ledger/validator.h"

namespace nl::ledger {

void encode_validators(Writer& w, const std::vector<Validator>& vs) {
  w.count(vs.size());
  for (const auto& v : vs) w.fixed(v.key.b).u64(v.power);
}

std::vector<Validator> decode_validators(Reader& r) {
  std::vector<Validator> vs(r.count(kMaxValidators));
  for (auto& v : vs) {
    v.key.b = r.fixed<32>();
    v.power = r.u64();
  }
  return vs;
}

}  // namespace nl::ledger
