// A consensus message or WAL entry on the wire: u8 version, then the tagged
// union of its kinds as the field codec writes any std::variant (u8
// position + 1, then the kind). The variant's VariantInfo names its tag in
// errors and must be visible where these are instantiated.
#pragma once
#include <cstdint>
#include <string>

#include "crypto/basics/bytes.h"
#include "crypto/basics/result.h"
#include "ledger/field_codec.h"

namespace nl::consensus {

template <class Union>
Bytes encode_versioned(uint8_t version, const Union& u) {
  ledger::Writer w;
  w.u8(version);
  ledger::put_value(w, u);
  return w.take();
}

// Strict: the version, the tag, each kind's own checks, no trailing bytes.
template <class Union>
Result<Union> decode_versioned(ByteView in, uint8_t version, const char* what) {
  return ledger::decode_all<Union>(in, what, [version](ledger::Reader& r) {
    const uint8_t v = r.u8();
    if (v != version) throw ledger::DecodeError("unsupported version " + std::to_string(v));
    Union u;
    ledger::get_value(r, u, ledger::FieldLimits{});
    return u;
  });
}

}  // namespace nl::consensus
