#include "ledger/holding.h"
#include "ledger/recovery.h"

#include "ledger/field_codec.h"

namespace nl::ledger {

std::string_view holding_kind_name(HoldingKind k) {
  switch (k) {
    case HoldingKind::allocation: return "allocation";
    case HoldingKind::assignment: return "assignment";
    case HoldingKind::lease: return "lease";
  }
  return "?";
}

Result<HoldingKind> parse_holding_kind(std::string_view s) {
  if (s == "allocation") return HoldingKind::allocation;
  if (s == "assignment") return HoldingKind::assignment;
  if (s == "lease") return HoldingKind::lease;
  return fail("unknown holding kind '" + std::string(s) + "' (allocation, assignment or lease)");
}

namespace {

// Strict UTF-8 (no overlongs, surrogates or values past U+10FFFF) without
// C0/C1 control characters or DEL.
Status check_text(std::string_view field, const std::string& s) {
  if (s.size() > kMaxMetadataField)
    return fail("metadata field '" + std::string(field) + "' is " + std::to_string(s.size()) +
                " bytes; the cap is " + std::to_string(kMaxMetadataField));
  auto bad = [&](std::string_view what) {
    return fail("metadata field '" + std::string(field) + "' " + std::string(what));
  };
  for (size_t i = 0; i < s.size();) {
    auto c = static_cast<uint8_t>(s[i]);
    uint32_t cp;
    size_t n;
    if (c < 0x80) cp = c, n = 1;
    else if ((c & 0xe0) == 0xc0) cp = c & 0x1f, n = 2;
    else if ((c & 0xf0) == 0xe0) cp = c & 0x0f, n = 3;
    else if ((c & 0xf8) == 0xf0) cp = c & 0x07, n = 4;
    else return bad("is not valid UTF-8");
    if (i + n > s.size()) return bad("is not valid UTF-8");
    for (size_t k = 1; k < n; ++k) {
      auto cc = static_cast<uint8_t>(s[i + k]);
      if ((cc & 0xc0) != 0x80) return bad("is not valid UTF-8");
      cp = cp << 6 | (cc & 0x3f);
    }
    static constexpr uint32_t kMinForLength[5] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < kMinForLength[n] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
      return bad("is not valid UTF-8");
    if (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f)) return bad("contains a control character");
    i += n;
  }
  return {};
}

}  // namespace

Status Metadata::validate() const {
  const Metadata& m = *this;
  struct TextCheck {  // every field is text
    Status status;
    void operator()(const Field<const std::string>& f) {
      if (status) status = check_text(f.name, *f.value);
    }
  } texts;
  fields(texts, m);
  if (!texts.status) return texts.status;
  auto letter = [](char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); };
  if (!m.country.empty() && !(m.country.size() == 2 && letter(m.country[0]) && letter(m.country[1])))
    return fail("country '" + m.country + "' is not two ASCII letters");
  return {};
}


// The state values are written and read from their field lists (holding.h).
void Metadata::encode(Writer& w) const { write_fields(w, *this); }
Metadata Metadata::decode(Reader& r) { return read_fields<Metadata>(r); }
void Holding::encode(Writer& w) const { write_fields(w, *this); }
Holding Holding::decode(Reader& r) { return read_fields<Holding>(r); }
void Segment::encode(Writer& w) const { write_fields(w, *this); }
Segment Segment::decode(Reader& r) { return read_fields<Segment>(r); }
void Authorization::encode(Writer& w) const { write_fields(w, *this); }
Authorization Authorization::decode(Reader& r) { return read_fields<Authorization>(r); }
void AccountState::encode(Writer& w) const { write_fields(w, *this); }
AccountState AccountState::decode(Reader& r) { return read_fields<AccountState>(r); }
void RecoveryState::encode(Writer& w) const { write_fields(w, *this); }
RecoveryState RecoveryState::decode(Reader& r) { return read_fields<RecoveryState>(r); }

}  // namespace nl::ledger
