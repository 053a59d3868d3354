// Who gets a peer slot, as a pure decision over counts. Reserved peers (the
// current validators by handshake key, the configured peers we dial) are
// never refused here. Everyone else: at most max_handshaking connections in
// their handshake (max_handshaking_per_address from one IP), then at most
// max_peers admitted peers (max_peers_per_address from one IP), and an IP
// banned for unauthenticated floods keeps only banned_address_sessions of
// them, so that honest nodes behind it (a NAT, a loopback testnet) still
// get in one by one while a flood from it does not.
#pragma once
#include <cstddef>
#include <optional>
#include <string>

namespace nl::node {

struct SlotLimits {
  size_t max_peers = 64;
  size_t max_peers_per_address = 8;
  size_t max_handshaking = 32;
  size_t max_handshaking_per_address = 4;
  size_t banned_address_sessions = 2;
};

// Sessions without a reservation, counted without the one being decided.
struct SlotCounts {
  size_t peers = 0;                 // admitted, from anywhere
  size_t handshaking = 0;           // inbound, still in the handshake, from anywhere
  size_t address_peers = 0;         // admitted, from this IP
  size_t address_handshaking = 0;   // in the handshake, from this IP
  bool address_banned = false;
};

struct SlotRefusal {
  std::string reason;
  bool busy = false;  // 503 (full, try later) rather than 403 (banned)
};

// An inbound WebSocket upgrade from `ip`: refused before its handshake?
std::optional<SlotRefusal> refuse_upgrade(const SlotLimits& l, const SlotCounts& c, const std::string& ip);
// A finished handshake without a reservation: refused a peer slot?
std::optional<SlotRefusal> refuse_admission(const SlotLimits& l, const SlotCounts& c, const std::string& ip);

}  // namespace nl::node
