#include "consensus/message.h"

#include <type_traits>

namespace nl::consensus {
namespace {

void encode_decision(ledger::Writer& w, const Decision& d) {
  if (d.value.size() > kMaxValueBytes) throw std::length_error("decision value exceeds kMaxValueBytes");
  w.u64(d.height).fixed(d.value_id.b);
  w.u32(static_cast<uint32_t>(d.value.size())).raw(d.value);
  d.cert.encode(w);
}

Decision decode_decision(ledger::Reader& r) {
  Decision d;
  d.height = r.u64();
  d.value_id.b = r.fixed<32>();
  d.value = r.bytes(kMaxValueBytes);
  d.cert = ledger::CommitCertificate::decode(r);
  return d;
}

}  // namespace

Bytes encode_message(const Message& m) {
  ledger::Writer w;
  w.u8(kMessageVersion);
  std::visit(
      [&](const auto& x) {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, Proposal>) {
          w.u8(static_cast<uint8_t>(MessageTag::proposal));
          x.encode(w);
        } else if constexpr (std::is_same_v<T, ledger::SignedVote>) {
          w.u8(static_cast<uint8_t>(MessageTag::vote));
          x.encode(w);
        } else {
          w.u8(static_cast<uint8_t>(MessageTag::decision));
          encode_decision(w, x);
        }
      },
      m);
  return w.take();
}

Result<Message> decode_message(ByteView in) {
  if (in.size() > kMaxMessageBytes)
    return fail("consensus message of " + std::to_string(in.size()) + " bytes exceeds the cap of " +
                std::to_string(kMaxMessageBytes));
  return ledger::decode_all<Message>(in, "consensus message", [](ledger::Reader& r) -> Message {
    uint8_t version = r.u8();
    if (version != kMessageVersion)
      throw ledger::DecodeError("unsupported version " + std::to_string(version));
    uint8_t tag = r.u8();
    switch (static_cast<MessageTag>(tag)) {
      case MessageTag::proposal:
        return Proposal::decode(r);
      case MessageTag::vote:
        return ledger::SignedVote::decode(r);
      case MessageTag::decision:
        return decode_decision(r);
    }
    throw ledger::DecodeError("unknown message tag " + std::to_string(tag));
  });
}

uint64_t message_height(const Message& m) {
  return std::visit([](const auto& x) -> uint64_t { return x.height; }, m);
}

}  // namespace nl::consensus
