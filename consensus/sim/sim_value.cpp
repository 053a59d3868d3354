#include "consensus/sim/sim_value.h"

#include <charconv>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

namespace nl::consensus::sim {
namespace {

// Long enough for any well-formed value; longer input is rejected unread.
constexpr size_t kMaxValueText = 128;

std::string value_text(uint64_t height, uint32_t round, size_t proposer, uint64_t payload, bool ok) {
  char buf[kMaxValueText];
  std::snprintf(buf, sizeof buf, "sim|%llu|%u|%zu|%016llx|%s", static_cast<unsigned long long>(height), round,
                proposer, static_cast<unsigned long long>(payload), ok ? "ok" : "bad");
  return buf;
}

SimValue from_text(const std::string& text) {
  Bytes b(text.begin(), text.end());
  return {value_id(b), std::move(b)};
}

template <class T>
bool parse_decimal(std::string_view s, T& out) {
  if (s.empty() || s.size() > 20) return false;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && end == s.data() + s.size();
}

}  // namespace

crypto::Hash32 value_id(ByteView bytes) { return crypto::sha256(bytes); }

SimValue make_value(uint64_t height, uint32_t round, size_t proposer, uint64_t payload) {
  return from_text(value_text(height, round, proposer, payload, true));
}

SimValue make_invalid_value(InvalidKind kind, uint64_t height, uint32_t round, size_t proposer,
                            uint64_t payload) {
  switch (kind) {
    case InvalidKind::marked_bad: return from_text(value_text(height, round, proposer, payload, false));
    case InvalidKind::wrong_height: return from_text(value_text(height + 1, round, proposer, payload, true));
    case InvalidKind::wrong_id: {
      SimValue v = make_value(height, round, proposer, payload);
      v.id = crypto::sha256(v.id.b);  // any id but the hash of the bytes
      return v;
    }
    case InvalidKind::garbage: return from_text("sim|" + std::to_string(payload));
  }
  return from_text("");
}

bool value_is_valid(uint64_t height, const crypto::Hash32& id, ByteView bytes) {
  if (bytes.size() > kMaxValueText) return false;
  std::string_view text(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  std::vector<std::string_view> fields;
  for (size_t start = 0;;) {
    size_t bar = text.find('|', start);
    fields.push_back(text.substr(start, bar == std::string_view::npos ? std::string_view::npos : bar - start));
    if (bar == std::string_view::npos) break;
    start = bar + 1;
  }
  if (fields.size() != 6 || fields[0] != "sim" || fields[5] != "ok") return false;
  uint64_t h = 0;
  uint32_t round = 0;
  size_t proposer = 0;
  if (!parse_decimal(fields[1], h) || h != height) return false;
  if (!parse_decimal(fields[2], round) || !parse_decimal(fields[3], proposer)) return false;
  if (fields[4].size() != 16 || fields[4].find_first_not_of("0123456789abcdef") != std::string_view::npos)
    return false;
  return value_id(bytes) == id;
}

}  // namespace nl::consensus::sim
