#include "cli/cli_common.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>

#include "crypto/basics/durable_file.h"
#include "crypto/key_file.h"
#include "ledger/account.h"
#include "ledger/resource.h"

namespace nl::cli {

int report(int code, const std::string& reason) {
  std::fprintf(stderr, "numledger: %s\n", reason.c_str());
  return code;
}

namespace {
// A CLI11 validator from one of our parsers: the parser's reason becomes
// CLI11's error text, so every argument is checked by the code that uses it.
template <class Parse>
CLI::Validator parsed_by(Parse parse, const char* name) {
  return CLI::Validator(
      [parse](std::string& s) {
        auto r = parse(s);
        return r ? std::string() : r.error();
      },
      name);
}
}  // namespace

CLI::Validator resource_value() {
  return parsed_by([](const std::string& s) { return ledger::Resource::parse(s); }, "RESOURCE");
}
Result<ledger::AccountId> account_or_key_file(const std::string& text) {
  auto a = ledger::AccountId::parse(text);
  if (a) return a;
  if (!path_exists(text)) return fail("'" + text.substr(0, 80) + "' is neither an account (" + a.error() + ") nor a file");
  auto pk = crypto::read_key_file_public(text);
  if (!pk) return fail("'" + text.substr(0, 80) + "' is neither an account nor a key file: " + pk.error());
  return ledger::AccountId{*pk};
}

CLI::Validator account_value() {
  return parsed_by([](const std::string& s) { return account_or_key_file(s); }, "ACCOUNT");
}
CLI::Validator time_value() { return parsed_by([](const std::string& s) { return parse_time(s); }, "RFC3339"); }
CLI::Validator asn_value() { return parsed_by([](const std::string& s) { return parse_asn(s); }, "ASN"); }

namespace {

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

bool leap(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

// Reads exactly `n` digits at `pos`.
bool digits(std::string_view s, size_t& pos, size_t n, int64_t& out) {
  if (pos + n > s.size()) return false;
  out = 0;
  for (size_t i = 0; i < n; ++i) {
    char c = s[pos + i];
    if (c < '0' || c > '9') return false;
    out = out * 10 + (c - '0');
  }
  pos += n;
  return true;
}

bool expect(std::string_view s, size_t& pos, char c) {
  if (pos >= s.size() || s[pos] != c) return false;
  ++pos;
  return true;
}

}  // namespace

Result<uint64_t> parse_time(std::string_view text) {
  const std::string bad = "'" + std::string(text.substr(0, 64)) +
                          "' is not a time (use RFC 3339 like 2027-01-01T00:00:00Z, or unix seconds)";
  if (text.empty()) return fail(bad);
  if (text.find_first_not_of("0123456789") == std::string_view::npos) {
    if (text.size() > 19) return fail(bad);
    return static_cast<uint64_t>(std::stoull(std::string(text)));
  }
  size_t p = 0;
  int64_t y, mo, d, h = 0, mi = 0, sec = 0;
  if (!digits(text, p, 4, y) || !expect(text, p, '-') || !digits(text, p, 2, mo) ||
      !expect(text, p, '-') || !digits(text, p, 2, d))
    return fail(bad);
  static const int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (mo < 1 || mo > 12 || d < 1 || d > kDays[mo - 1] + (mo == 2 && leap(y) ? 1 : 0))
    return fail(bad + ": no such date");
  int64_t offset = 0;
  if (p < text.size()) {
    if (text[p] != 'T' && text[p] != 't' && text[p] != ' ') return fail(bad);
    ++p;
    if (!digits(text, p, 2, h) || !expect(text, p, ':') || !digits(text, p, 2, mi) ||
        !expect(text, p, ':') || !digits(text, p, 2, sec))
      return fail(bad);
    // A leap second (60) is accepted and lands on the next second.
    if (h > 23 || mi > 59 || sec > 60) return fail(bad + ": no such time of day");
    if (p < text.size() && text[p] == '.') {
      ++p;
      size_t start = p;
      while (p < text.size() && text[p] >= '0' && text[p] <= '9') ++p;
      if (p == start) return fail(bad);
    }
    if (p >= text.size()) return fail(bad + ": missing time zone (add Z for UTC)");
    if (text[p] == 'Z' || text[p] == 'z') {
      ++p;
    } else if (text[p] == '+' || text[p] == '-') {
      int sign = text[p] == '-' ? -1 : 1;
      ++p;
      int64_t oh, om;
      if (!digits(text, p, 2, oh) || !expect(text, p, ':') || !digits(text, p, 2, om) || oh > 23 ||
          om > 59)
        return fail(bad);
      offset = sign * (oh * 3600 + om * 60);
    } else {
      return fail(bad);
    }
    if (p != text.size()) return fail(bad);
  }
  int64_t t = days_from_civil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d)) * 86400 +
              h * 3600 + mi * 60 + sec - offset;
  if (t < 0) return fail(bad + ": before 1970");
  return static_cast<uint64_t>(t);
}

Result<uint32_t> parse_asn(std::string_view text) {
  std::string_view s = text;
  if (s.size() > 2 && (s[0] == 'A' || s[0] == 'a') && (s[1] == 'S' || s[1] == 's')) s.remove_prefix(2);
  const std::string bad = "'" + std::string(text.substr(0, 64)) + "' is not an AS number (like AS64496)";
  if (s.empty() || s.size() > 10 || s.find_first_not_of("0123456789") != std::string_view::npos)
    return fail(bad);
  uint64_t v = std::stoull(std::string(s));
  if (v > 0xFFFFFFFFull) return fail(bad + ": above AS4294967295");
  return static_cast<uint32_t>(v);
}


uint64_t unix_now() {
  auto now = std::chrono::system_clock::now().time_since_epoch();
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::seconds>(now).count());
}

Result<Bytes> read_file(const std::string& path, size_t max_bytes) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return fail(path + ": " + std::strerror(errno));
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return fail(path + ": not a regular file");
  }
  if (static_cast<uint64_t>(st.st_size) > max_bytes) {
    ::close(fd);
    return fail(path + ": " + std::to_string(st.st_size) + " bytes is too large (at most " +
                std::to_string(max_bytes) + " expected)");
  }
  Bytes out;
  uint8_t buf[65536];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int e = errno;
      ::close(fd);
      return fail(path + ": read failed: " + std::strerror(e));
    }
    if (n == 0) break;
    out.insert(out.end(), buf, buf + n);
    if (out.size() > max_bytes) {
      ::close(fd);
      return fail(path + ": grew beyond " + std::to_string(max_bytes) + " bytes while reading");
    }
  }
  ::close(fd);
  return out;
}

Status write_file(const std::string& path, std::string_view data) {
  return crypto::replace_file(path, as_bytes(data), 0644);
}

bool path_exists(const std::string& path) {
  struct stat st {};
  return ::lstat(path.c_str(), &st) == 0;
}

CLI::Option* add_node_option(CLI::App* cmd, std::string& node) {
  return cmd->add_option("--node", node, "node API base URL, e.g. http://127.0.0.1:8640")
      ->envname("NUMLEDGER_NODE");
}

}  // namespace nl::cli
