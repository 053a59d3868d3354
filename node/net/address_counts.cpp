#include "node/net/address_counts.h"

#include <algorithm>

namespace nl::node {

AddressKey address_key(const boost::asio::ip::address& addr) {
  AddressKey key;
  if (addr.is_v4()) {
    auto b = addr.to_v4().to_bytes();
    std::copy(b.begin(), b.end(), key.bytes.begin());
    key.v4 = true;
    return key;
  }
  auto v6 = addr.to_v6();
  if (v6.is_v4_mapped()) return address_key(boost::asio::ip::make_address_v4(boost::asio::ip::v4_mapped, v6));
  auto b = v6.to_bytes();
  std::copy(b.begin(), b.begin() + 8, key.bytes.begin());
  return key;
}

std::string to_string(const AddressKey& key) {
  if (key.v4) return boost::asio::ip::address_v4({key.bytes[0], key.bytes[1], key.bytes[2], key.bytes[3]}).to_string();
  return boost::asio::ip::address_v6(key.bytes).to_string() + "/64";
}

bool AddressCounts::try_add(const AddressKey& key, size_t limit) {
  size_t& n = counts_[key];
  if (limit != 0 && n >= limit) return false;  // n > 0 here: nothing to forget
  ++n;
  return true;
}

void AddressCounts::remove(const AddressKey& key) {
  auto it = counts_.find(key);
  if (it == counts_.end()) return;
  if (--it->second == 0) counts_.erase(it);
}

size_t AddressCounts::count(const AddressKey& key) const {
  auto it = counts_.find(key);
  return it == counts_.end() ? 0 : it->second;
}

}  // namespace nl::node
