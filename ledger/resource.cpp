#include "ledger/resource.h"

#include <algorithm>
#include <vector>

namespace nl::ledger {

std::string_view family_name(Family f) {
  switch (f) {
    case Family::ipv4: return "ipv4";
    case Family::ipv6: return "ipv6";
    case Family::asn: return "asn";
  }
  return "?";
}

int family_bits(Family f) { return f == Family::ipv6 ? 128 : 32; }

u128 family_max(Family f) {
  return f == Family::ipv6 ? ~u128(0) : u128(0xffffffffu);
}

std::string format_u128(u128 v) {
  if (v == 0) return "0";
  std::string s;
  while (v) {
    s.push_back(static_cast<char>('0' + static_cast<int>(v % 10)));
    v /= 10;
  }
  std::reverse(s.begin(), s.end());
  return s;
}

static std::string quoted(std::string_view t) { return std::string(t); }

Result<u128> parse_ipv4(std::string_view t) {
  u128 v = 0;
  int parts = 0;
  size_t i = 0;
  while (true) {
    size_t j = i;
    while (j < t.size() && t[j] >= '0' && t[j] <= '9') ++j;
    if (j == i) return fail(quoted(t) + ": expected a decimal octet at position " + std::to_string(i));
    if (j - i > 3) return fail(quoted(t) + ": octet '" + std::string(t.substr(i, j - i)) + "' is too long");
    if (j - i > 1 && t[i] == '0')
      return fail(quoted(t) + ": octet '" + std::string(t.substr(i, j - i)) + "' has a leading zero");
    int octet = std::stoi(std::string(t.substr(i, j - i)));
    if (octet > 255) return fail(quoted(t) + ": octet " + std::to_string(octet) + " is out of range (0-255)");
    v = v << 8 | u128(octet);
    ++parts;
    if (j == t.size()) break;
    if (t[j] != '.') return fail(quoted(t) + ": unexpected character '" + std::string(1, t[j]) + "'");
    if (parts == 4) return fail(quoted(t) + ": more than four octets");
    i = j + 1;
  }
  if (parts != 4) return fail(quoted(t) + ": expected four octets, got " + std::to_string(parts));
  return v;
}

Result<u128> parse_ipv6(std::string_view t) {
  if (t.empty()) return fail("empty IPv6 address");
  if (t.size() > 45) return fail(quoted(t) + ": too long for an IPv6 address");
  std::vector<uint16_t> head, tail;
  bool seen_gap = false;
  size_t i = 0;
  if (t.substr(0, 2) == "::") {
    seen_gap = true;
    i = 2;
  } else if (t[0] == ':') {
    return fail(quoted(t) + ": leading single ':'");
  }
  while (i < t.size()) {
    auto& groups = seen_gap ? tail : head;
    size_t j = i;
    while (j < t.size() && std::isxdigit(static_cast<unsigned char>(t[j]))) ++j;
    if (j < t.size() && t[j] == '.') {  // embedded IPv4 tail
      auto v4 = parse_ipv4(t.substr(i));
      if (!v4) return fail(quoted(t) + ": bad embedded IPv4: " + v4.error());
      groups.push_back(static_cast<uint16_t>(*v4 >> 16));
      groups.push_back(static_cast<uint16_t>(*v4 & 0xffff));
      i = t.size();
      break;
    }
    if (j == i) return fail(quoted(t) + ": empty group at position " + std::to_string(i));
    if (j - i > 4) return fail(quoted(t) + ": group '" + std::string(t.substr(i, j - i)) + "' has more than 4 hex digits");
    groups.push_back(static_cast<uint16_t>(std::stoul(std::string(t.substr(i, j - i)), nullptr, 16)));
    if (j == t.size()) {
      i = j;
      break;
    }
    if (t[j] != ':') return fail(quoted(t) + ": unexpected character '" + std::string(1, t[j]) + "'");
    if (j + 1 < t.size() && t[j + 1] == ':') {
      if (seen_gap) return fail(quoted(t) + ": '::' appears more than once");
      seen_gap = true;
      i = j + 2;
      continue;
    }
    if (j + 1 == t.size()) return fail(quoted(t) + ": trailing single ':'");
    i = j + 1;
  }
  size_t n = head.size() + tail.size();
  if (seen_gap ? n > 7 : n != 8)
    return fail(quoted(t) + ": expected 8 groups, got " + std::to_string(n) + (seen_gap ? " plus '::'" : ""));
  std::vector<uint16_t> all = head;
  all.resize(8 - tail.size(), 0);
  all.insert(all.end(), tail.begin(), tail.end());
  u128 v = 0;
  for (auto g : all) v = v << 16 | g;
  return v;
}

std::string format_ipv4(u128 v) {
  uint32_t x = static_cast<uint32_t>(v);
  return std::to_string(x >> 24) + "." + std::to_string((x >> 16) & 255) + "." +
         std::to_string((x >> 8) & 255) + "." + std::to_string(x & 255);
}

std::string format_ipv6(u128 v) {
  uint16_t g[8];
  for (int k = 7; k >= 0; --k, v >>= 16) g[k] = static_cast<uint16_t>(v & 0xffff);
  // RFC 5952 4.2: compress the longest run (>= 2) of zero groups, first on ties.
  int best = -1, best_len = 1;
  for (int k = 0; k < 8;) {
    if (g[k] != 0) { ++k; continue; }
    int e = k;
    while (e < 8 && g[e] == 0) ++e;
    if (e - k > best_len) best = k, best_len = e - k;
    k = e;
  }
  static const char* hexd = "0123456789abcdef";
  auto group = [&](uint16_t x) {
    std::string s;
    bool started = false;
    for (int sh = 12; sh >= 0; sh -= 4) {
      int d = (x >> sh) & 15;
      if (d || started || sh == 0) s.push_back(hexd[d]), started = true;
    }
    return s;
  };
  std::string out;
  for (int k = 0; k < 8; ++k) {
    if (k == best) {
      out += "::";
      k += best_len - 1;
      continue;
    }
    if (!out.empty() && out.back() != ':') out += ':';
    out += group(g[k]);
  }
  return out;
}

static Result<u128> parse_asn(std::string_view t) {
  if (t.size() < 3 || (t[0] != 'A' && t[0] != 'a') || (t[1] != 'S' && t[1] != 's'))
    return fail(quoted(t) + ": AS numbers are written AS<number>");
  auto d = t.substr(2);
  if (d.size() > 10) return fail(quoted(t) + ": AS number is too long");
  for (char c : d)
    if (c < '0' || c > '9') return fail(quoted(t) + ": AS number must be decimal digits");
  if (d.size() > 1 && d[0] == '0') return fail(quoted(t) + ": AS number has a leading zero");
  u128 v = std::stoull(std::string(d));
  if (v > 0xffffffffu) return fail(quoted(t) + ": AS number is out of range (0-4294967295)");
  return v;
}

static Result<u128> parse_addr(Family f, std::string_view t) {
  return f == Family::ipv4 ? parse_ipv4(t) : parse_ipv6(t);
}

namespace {

// Said with every refusal, so that a user learns the syntax from the error.
constexpr std::string_view kForms =
    "a resource is a prefix (10.0.0.0/8, 2001:db8::/32), a range A-B (10.0.0.0-10.0.0.255), "
    "an AS number (AS64496) or AS numbers ASn-ASm (AS64496-AS64511)";

Result<Resource> parse_resource(std::string_view text) {
  if (text.empty()) return fail("empty resource");
  if (text.size() > 100) return fail("resource text is too long (" + std::to_string(text.size()) + " characters)");
  for (char c : text)
    if (c == ' ' || c == '\t' || c == '\n') return fail(quoted(text) + ": contains whitespace");
  Resource r;
  // "AS64496": an AS number. An IPv6 address may begin with a letter a
  // too ("abcd::1"), but it always has a colon, which an AS number never has.
  if ((text[0] == 'A' || text[0] == 'a') && text.find(':') == std::string_view::npos) {
    r.family = Family::asn;
    auto dash = text.find('-');
    auto a = parse_asn(text.substr(0, dash));
    if (!a) return a.take_error();
    r.first = r.last = *a;
    if (dash != std::string_view::npos) {
      const auto second = text.substr(dash + 1);
      auto b = parse_asn(second);
      if (!b && !second.empty() && parse_asn("AS" + std::string(second)))
        return fail(quoted(text) + ": both ends need AS; did you mean " + std::string(text.substr(0, dash)) + "-AS" +
                    std::string(second) + "?");
      if (!b) return b.take_error();
      r.last = *b;
    }
  } else {
    r.family = text.find(':') != std::string_view::npos ? Family::ipv6 : Family::ipv4;
    // "foo" is no broken IPv4 address: it should not be refused as one.
    if (r.family == Family::ipv4 && !(text[0] >= '0' && text[0] <= '9'))
      return fail("'" + std::string(text) + "' is not a prefix, a range or AS numbers");
    auto slash = text.find('/');
    auto dash = text.find('-');
    if (slash != std::string_view::npos && dash != std::string_view::npos)
      return fail(quoted(text) + ": use either a prefix or a range, not both");
    if (slash != std::string_view::npos) {
      auto a = parse_addr(r.family, text.substr(0, slash));
      if (!a) return a.take_error();
      auto lt = text.substr(slash + 1);
      if (lt.empty() || lt.size() > 3 || !std::all_of(lt.begin(), lt.end(), [](char c) { return c >= '0' && c <= '9'; }) ||
          (lt.size() > 1 && lt[0] == '0'))
        return fail(quoted(text) + ": prefix length '" + std::string(lt) + "' is not a decimal number");
      int len = std::stoi(std::string(lt));
      int bits = family_bits(r.family);
      if (len > bits)
        return fail(quoted(text) + ": prefix length " + std::to_string(len) + " exceeds " + std::to_string(bits));
      u128 host = len == bits ? 0 : (len == 0 ? family_max(r.family) : ((u128(1) << (bits - len)) - 1));
      if (*a & host)
        return fail(quoted(text) + ": host bits set; did you mean " +
                    Resource{r.family, *a & ~host, *a | host}.to_string() + "?");
      r.first = *a;
      r.last = *a | host;
    } else if (dash != std::string_view::npos) {
      auto a = parse_addr(r.family, text.substr(0, dash));
      if (!a) return a.take_error();
      auto b = parse_addr(r.family, text.substr(dash + 1));
      if (!b) return b.take_error();
      r.first = *a;
      r.last = *b;
    } else {
      auto a = parse_addr(r.family, text);
      if (!a) return a.take_error();
      r.first = r.last = *a;
    }
  }
  if (r.first > r.last)
    return fail(quoted(text) + ": range start is after its end; did you mean " +
                Resource{r.family, r.last, r.first}.to_string() + "?");
  return r;
}

}  // namespace

Result<Resource> Resource::parse(std::string_view text) {
  auto r = parse_resource(text);
  if (!r) return fail(r.error() + "; " + std::string(kForms));
  return r;
}

std::optional<int> Resource::prefix_length() const {
  int bits = family_bits(family);
  u128 span = last - first;
  if (span == family_max(family)) return first == 0 ? std::optional<int>(0) : std::nullopt;
  u128 size = span + 1;
  if (size & (size - 1)) return std::nullopt;  // not a power of two
  if (first & span) return std::nullopt;       // not aligned
  int host = 0;
  while ((u128(1) << host) != size) ++host;
  return bits - host;
}

std::string Resource::to_string() const {
  if (family == Family::asn) {
    if (first == last) return "AS" + format_u128(first);
    return "AS" + format_u128(first) + "-AS" + format_u128(last);
  }
  auto fmt = [&](u128 v) { return family == Family::ipv4 ? format_ipv4(v) : format_ipv6(v); };
  if (auto len = prefix_length()) return fmt(first) + "/" + std::to_string(*len);
  return fmt(first) + "-" + fmt(last);
}

void Resource::encode(Writer& w) const {
  w.u8(static_cast<uint8_t>(family)).u128v(first).u128v(last);
}

Resource Resource::decode(Reader& r) {
  Resource x;
  uint8_t f = r.u8();
  if (f < 1 || f > 3) throw DecodeError("unknown resource family " + std::to_string(f));
  x.family = static_cast<Family>(f);
  x.first = r.u128v();
  x.last = r.u128v();
  if (x.last > family_max(x.family)) throw DecodeError("resource value exceeds its family's range");
  if (x.first > x.last) throw DecodeError("resource range start is after its end");
  return x;
}

}  // namespace nl::ledger
