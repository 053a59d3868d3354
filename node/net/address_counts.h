// Per-address connection counts for the servers' per-address limits.
// Which source addresses count as one client: an IPv4 address (also when
// it arrives mapped into IPv6), or an IPv6 /64, the usual allocation to
// one subscriber, so that one host cannot take a slot per address it
// picks from its prefix.
#pragma once
#include <array>
#include <boost/asio/ip/address.hpp>
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>

namespace nl::node {

struct AddressKey {
  std::array<uint8_t, 16> bytes{};  // IPv4: the first 4; IPv6: the /64 prefix, rest zero
  bool v4 = false;
  auto operator<=>(const AddressKey&) const = default;
};

AddressKey address_key(const boost::asio::ip::address& addr);
// "127.0.0.2" or "2001:db8::/64".
std::string to_string(const AddressKey& key);

// Not thread-safe: the owner guards it.
class AddressCounts {
 public:
  // Counts one more connection from `key` unless it has `limit` already
  // (a limit of 0 means none); false when refused.
  bool try_add(const AddressKey& key, size_t limit);
  // One connection from `key` ended; a key with none left is forgotten.
  void remove(const AddressKey& key);
  size_t count(const AddressKey& key) const;
  size_t addresses() const { return counts_.size(); }

 private:
  std::map<AddressKey, size_t> counts_;
};

}  // namespace nl::node
