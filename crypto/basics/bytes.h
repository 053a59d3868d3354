// Byte strings and their hex text form.
#pragma once
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace nl {

using Bytes = std::vector<uint8_t>;
using ByteView = std::span<const uint8_t>;

std::string to_hex(ByteView data);
std::optional<Bytes> from_hex(std::string_view hex);

inline ByteView as_bytes(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

}  // namespace nl
