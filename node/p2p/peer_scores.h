// Misbehaviour points and timed bans, keyed by node key and by IP address,
// kept apart: an authenticated peer's offences count against its key only,
// so that the honest nodes sharing its address (a NAT, a loopback testnet)
// are not punished with it; only what happens before a key is proven
// (failed handshakes, garbage) counts against the address. Pure: the
// caller passes the time. Points are forgotten after ban_time
// without a further offence, so an honest peer's rare fault never adds up
// to a ban, while repeated offences do. The tables are bounded: entries
// whose points are forgotten and whose ban is over are dropped first.
#pragma once
#include <chrono>
#include <cstddef>
#include <map>
#include <optional>
#include <string>

#include "crypto/ed25519.h"

namespace nl::node {

class PeerScores {
 public:
  using Clock = std::chrono::steady_clock;

  PeerScores(int ban_score, std::chrono::seconds ban_time, size_t max_entries = 4096);  // per table

  struct Verdict {
    bool banned = false;            // this offence reached ban_score: the key (or IP) is now banned
    Clock::time_point until{};      // when the ban ends
  };
  // Adds points to one key or one IP. At ban_score it is banned until
  // now + ban_time and its points start over.
  Verdict add_key(const crypto::PublicKey& key, int points, Clock::time_point now);
  Verdict add_ip(const std::string& ip, int points, Clock::time_point now);

  bool ip_banned(const std::string& ip, Clock::time_point now) const;
  bool key_banned(const crypto::PublicKey& key, Clock::time_point now) const;
  // Current points (0 when unknown or forgotten).
  int ip_score(const std::string& ip, Clock::time_point now) const;
  int key_score(const crypto::PublicKey& key, Clock::time_point now) const;
  size_t ip_entries() const { return ips_.size(); }
  size_t key_entries() const { return keys_.size(); }

 private:
  struct Entry {
    int points = 0;
    Clock::time_point updated{};
    Clock::time_point banned_until{};
  };
  int current(const Entry& e, Clock::time_point now) const;
  template <class K>
  void prune(std::map<K, Entry>& table, Clock::time_point now);
  template <class K>
  Verdict bump(std::map<K, Entry>& table, const K& k, int points, Clock::time_point now);

  const int ban_score_;
  const std::chrono::seconds ban_time_;
  const size_t max_entries_;
  std::map<std::string, Entry> ips_;
  std::map<crypto::PublicKey, Entry> keys_;
};

}  // namespace nl::node
