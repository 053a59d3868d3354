#include "consensus/message.h"

#include "consensus/versioned_union.h"

namespace nl::ledger {
// The tag byte is the alternative's position plus one.
template <>
struct VariantInfo<consensus::Message> {
  static constexpr std::string_view kWhat = "message tag";
};
}  // namespace nl::ledger

namespace nl::consensus {

static_assert(std::variant_size_v<Message> == 3 && static_cast<uint8_t>(MessageTag::proposal) == 1 &&
              static_cast<uint8_t>(MessageTag::vote) == 2 && static_cast<uint8_t>(MessageTag::decision) == 3);

Bytes encode_message(const Message& m) { return encode_versioned(kMessageVersion, m); }

Result<Message> decode_message(ByteView in) {
  if (in.size() > kMaxMessageBytes)
    return fail("consensus message of " + std::to_string(in.size()) + " bytes exceeds the cap of " +
                std::to_string(kMaxMessageBytes));
  return decode_versioned<Message>(in, kMessageVersion, "consensus message");
}

uint64_t message_height(const Message& m) {
  return std::visit([](const auto& x) -> uint64_t { return x.height; }, m);
}

}  // namespace nl::consensus
