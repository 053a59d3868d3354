#include "ledger/validator.h"

#include "ledger/field_codec.h"

namespace nl::ledger {

void encode_validators(Writer& w, const std::vector<Validator>& vs) { put_value(w, vs); }

std::vector<Validator> decode_validators(Reader& r) {
  std::vector<Validator> vs;
  FieldLimits limits;
  limits.max_ = kMaxValidators;
  get_value(r, vs, limits);
  return vs;
}

}  // namespace nl::ledger
