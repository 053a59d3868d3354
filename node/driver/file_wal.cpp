#include "node/driver/file_wal.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <optional>

#include "crypto/basics/durable_file.h"
#include "crypto/hash.h"

namespace nl::node {
namespace {

constexpr size_t kChecksumBytes = 8;
// Sized from the largest entry (consensus/wal.h), itself from the block limit.
constexpr uint32_t kMaxRecordBytes = static_cast<uint32_t>(consensus::kMaxWalEntryBytes);
static_assert(consensus::kMaxWalEntryBytes < (uint64_t{1} << 32));

std::string errno_text() { return std::strerror(errno); }

void put_u32(Bytes& out, uint32_t v) {
  for (int i = 3; i >= 0; --i) out.push_back(static_cast<uint8_t>(v >> (8 * i)));
}

uint32_t get_u32(const uint8_t* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | p[3];
}

Bytes frame(ByteView payload) {
  Bytes out;
  out.reserve(4 + payload.size() + kChecksumBytes);
  put_u32(out, static_cast<uint32_t>(payload.size()));
  out.insert(out.end(), payload.begin(), payload.end());
  auto sum = crypto::sha256(payload);
  out.insert(out.end(), sum.b.begin(), sum.b.begin() + kChecksumBytes);
  return out;
}

Result<Bytes> read_file(int fd) {
  Bytes data;
  if (lseek(fd, 0, SEEK_SET) < 0) return fail("seek: " + errno_text());
  uint8_t buf[1 << 16];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      return fail("read: " + errno_text());
    }
    if (n == 0) break;
    data.insert(data.end(), buf, buf + n);
  }
  return data;
}

struct Parsed {
  std::vector<consensus::WalEntry> entries;
  size_t good_bytes = 0;  // length of the valid prefix
};

// Bytes the search below may hash before it gives up: a torn tail is at
// most one record, and a search past this is not worth a slow start.
constexpr uint64_t kMaxScanHashBytes = uint64_t{256} << 20;

// Whether a whole record (a length within the cap, its bytes and a
// matching checksum) starts anywhere after `from`; `from` itself when the
// search hashed kMaxScanHashBytes without an answer (then the caller must
// not assume a torn tail).
std::optional<size_t> whole_record_after(const Bytes& data, size_t from) {
  uint64_t hashed = 0;
  for (size_t pos = from + 1; pos + 4 + kChecksumBytes <= data.size(); ++pos) {
    const uint32_t len = get_u32(&data[pos]);
    if (len > kMaxRecordBytes || data.size() - pos < 4 + size_t{len} + kChecksumBytes) continue;
    if ((hashed += len) > kMaxScanHashBytes) return from;
    auto sum = crypto::sha256(ByteView(&data[pos + 4], len));
    if (std::memcmp(sum.b.data(), &data[pos + 4 + len], kChecksumBytes) == 0) return pos;
  }
  return std::nullopt;
}

// Every record up to the first one that is incomplete or fails its
// checksum. That one is a torn tail only if no whole record follows it: a
// crash tears the last append, while a damaged length or checksum in the
// middle would, if taken for a tail, truncate the signatures after it.
Result<Parsed> parse(const Bytes& data, const std::string& path) {
  Parsed p;
  size_t pos = 0;
  auto torn_or_corrupt = [&](const std::string& what) -> Status {
    if (auto later = whole_record_after(data, pos))
      return fail(path + ": " + what + " at byte " + std::to_string(pos) +
                  (*later == pos ? ", and too much follows it to tell a torn tail from damage in the middle"
                                 : ", but a whole record follows at byte " + std::to_string(*later) +
                                       ": the log is corrupt in the middle, not torn at its end") +
                  ". Nothing was changed; move the file aside only if this validator signed nothing at the "
                  "heights it holds");
    return {};
  };
  while (pos < data.size()) {
    size_t rest = data.size() - pos;
    if (rest < 4) break;
    uint32_t len = get_u32(&data[pos]);
    if (len > kMaxRecordBytes || rest < 4 + size_t{len} + kChecksumBytes) {
      if (auto s = torn_or_corrupt(len > kMaxRecordBytes ? "a length of " + std::to_string(len) + " bytes"
                                                         : "a record longer than the file");
          !s)
        return s.take_error();
      break;
    }
    ByteView payload(&data[pos + 4], len);
    auto sum = crypto::sha256(payload);
    bool sum_ok = std::memcmp(sum.b.data(), &data[pos + 4 + len], kChecksumBytes) == 0;
    size_t end = pos + 4 + len + kChecksumBytes;
    if (!sum_ok) {
      if (end != data.size())
        return fail(path + ": record at byte " + std::to_string(pos) +
                    " fails its checksum and is followed by more records: the log is corrupt");
      if (auto s = torn_or_corrupt("a record failing its checksum"); !s) return s.take_error();
      break;
    }
    auto e = consensus::decode_wal_entry(payload);
    if (!e) return fail(path + ": record at byte " + std::to_string(pos) + ": " + e.error());
    p.entries.push_back(std::move(*e));
    pos = end;
    p.good_bytes = pos;
  }
  return p;
}

}  // namespace

Result<std::unique_ptr<FileWal>> FileWal::open(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return fail(path + ": cannot open write-ahead log: " + errno_text());
  std::unique_ptr<FileWal> w(new FileWal(path, fd));
  auto data = read_file(fd);
  if (!data) return fail(path + ": " + data.error());
  auto parsed = parse(*data, path);
  if (!parsed) return parsed.take_error();
  if (parsed->good_bytes < data->size()) {
    w->torn_ = data->size() - parsed->good_bytes;
    if (::ftruncate(fd, static_cast<off_t>(parsed->good_bytes)) != 0 || ::fdatasync(fd) != 0)
      return fail(path + ": cannot drop a torn record: " + errno_text());
  }
  if (lseek(fd, 0, SEEK_END) < 0) return fail(path + ": seek: " + errno_text());
  if (auto s = crypto::sync_parent_dir(path); !s) return s.take_error();
  w->bytes_ = parsed->good_bytes;
  for (const auto& e : parsed->entries) w->max_height_ = std::max(w->max_height_, consensus::wal_entry_height(e));
  return w;
}

FileWal::~FileWal() {
  if (fd_ >= 0) ::close(fd_);
}

Status FileWal::append(const consensus::WalEntry& e) {
  if (!broken_.empty()) return fail(path_ + ": an earlier append failed (" + broken_ + "); reopen the log");
  const Bytes payload = consensus::encode_wal_entry(e);
  // Nothing past the cap is written: open() would not read it back.
  if (payload.size() > kMaxRecordBytes)
    return fail(path_ + ": a " + std::to_string(payload.size()) + "-byte entry exceeds the record cap of " +
                std::to_string(kMaxRecordBytes) + " bytes");
  Bytes rec = frame(payload);
  Status s = crypto::write_all(fd_, rec, path_);
  if (s && ::fdatasync(fd_) != 0) s = fail(path_ + ": fdatasync: " + errno_text());
  // A part of the record may be in the file, and after a failed fdatasync
  // nothing says what is. One more record after it would turn a torn tail,
  // which open() drops, into mid-file corruption, which it refuses.
  if (!s) broken_ = s.error();
  bytes_ += rec.size();
  max_height_ = std::max(max_height_, consensus::wal_entry_height(e));
  return s;
}

Result<std::vector<consensus::WalEntry>> FileWal::load() {
  auto data = read_file(fd_);
  if (!data) return fail(path_ + ": " + data.error());
  auto parsed = parse(*data, path_);
  if (lseek(fd_, 0, SEEK_END) < 0) return fail(path_ + ": seek: " + errno_text());
  if (!parsed) return parsed.take_error();
  return std::move(parsed->entries);
}

// Rewrites the kept entries to a new file and renames it over the log, so a
// crash leaves either the old log or the new one.
Status FileWal::prune_below(uint64_t height) {
  if (!broken_.empty()) return fail(path_ + ": an earlier append failed (" + broken_ + "); reopen the log");
  if (bytes_ == 0) return {};
  if (max_height_ < height) {
    // Nothing is kept. A crash mid-way leaves the old records, which are
    // all below `height` and pruned again after restart.
    if (::ftruncate(fd_, 0) != 0 || ::fdatasync(fd_) != 0) return fail(path_ + ": truncate: " + errno_text());
    if (lseek(fd_, 0, SEEK_END) < 0) return fail(path_ + ": seek: " + errno_text());
    bytes_ = 0;
    max_height_ = 0;
    return {};
  }
  auto entries = load();
  if (!entries) return entries.take_error();
  Bytes out;
  for (const auto& e : *entries)
    if (consensus::wal_entry_height(e) >= height) {
      Bytes rec = frame(consensus::encode_wal_entry(e));
      out.insert(out.end(), rec.begin(), rec.end());
    }
  std::string tmp = path_ + ".tmp";
  int fd = ::open(tmp.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return fail(tmp + ": " + errno_text());
  Status s = crypto::write_all(fd, out, tmp);
  if (s && ::fdatasync(fd) != 0) s = fail(tmp + ": fdatasync: " + errno_text());
  if (s && ::rename(tmp.c_str(), path_.c_str()) != 0) s = fail(tmp + ": rename: " + errno_text());
  if (!s) {
    ::close(fd);
    ::unlink(tmp.c_str());
    return s;
  }
  ::close(fd_);
  fd_ = fd;
  bytes_ = out.size();
  max_height_ = 0;
  for (const auto& e : *entries)
    if (consensus::wal_entry_height(e) >= height) max_height_ = std::max(max_height_, consensus::wal_entry_height(e));
  if (lseek(fd_, 0, SEEK_END) < 0) return fail(path_ + ": seek: " + errno_text());
  return crypto::sync_parent_dir(path_);
}

}  // namespace nl::node
