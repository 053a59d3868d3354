#include "node/p2p/peer_slots.h"

namespace nl::node {

std::optional<SlotRefusal> refuse_upgrade(const SlotLimits& l, const SlotCounts& c, const std::string& ip) {
  if (c.address_banned && c.address_handshaking + c.address_peers >= l.banned_address_sessions)
    return SlotRefusal{"address " + ip + " is banned", false};
  if (c.handshaking >= l.max_handshaking)
    return SlotRefusal{"too many handshakes in progress (the cap is " + std::to_string(l.max_handshaking) + ")", true};
  if (c.address_handshaking >= l.max_handshaking_per_address)
    return SlotRefusal{"too many handshakes in progress from " + ip + " (the cap is " +
                           std::to_string(l.max_handshaking_per_address) + ")",
                       true};
  return std::nullopt;
}

std::optional<SlotRefusal> refuse_admission(const SlotLimits& l, const SlotCounts& c, const std::string& ip) {
  if (c.address_banned && c.address_peers + 1 > l.banned_address_sessions)
    return SlotRefusal{"address " + ip + " is banned", false};
  if (c.peers >= l.max_peers)
    return SlotRefusal{"too many peers (" + std::to_string(c.peers) + " without a reserved slot, the cap is " +
                           std::to_string(l.max_peers) + ")",
                       true};
  if (c.address_peers >= l.max_peers_per_address)
    return SlotRefusal{"too many peers from " + ip + " (the cap is " + std::to_string(l.max_peers_per_address) + ")",
                       true};
  return std::nullopt;
}

}  // namespace nl::node
