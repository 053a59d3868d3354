#include "ledger/interop/line_reader.h"

#include <cerrno>
#include <cstring>

namespace nl::ledger {

namespace {
constexpr size_t kChunk = 256 * 1024;
}

Result<LineReader> LineReader::open(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) return fail(path + ": cannot open: " + std::strerror(errno));
  LineReader r;
  r.path_ = path;
  r.file_.reset(f);
  r.buf_.resize(kMaxLine + kChunk);
  return r;
}

// Moves the unread bytes to the front, then reads one chunk after them.
bool LineReader::fill() {
  if (eof_) return false;
  if (begin_ > 0) {
    std::memmove(buf_.data(), buf_.data() + begin_, end_ - begin_);
    end_ -= begin_;
    begin_ = 0;
  }
  size_t room = buf_.size() - end_;
  size_t n = std::fread(buf_.data() + end_, 1, room, file_.get());
  end_ += n;
  if (n < room) {
    if (std::ferror(file_.get())) {
      error_ = path_ + ": read failed: " + std::strerror(errno);
      return false;
    }
    eof_ = true;
  }
  return n > 0;
}

bool LineReader::next(std::string_view& line) {
  cut_ = unterminated_ = false;
  if (!error_.empty()) return false;
  size_t scanned = 0;  // bytes after begin_ known to hold no newline
  for (;;) {
    const char* from = buf_.data() + begin_ + scanned;
    const void* hit = std::memchr(from, '\n', end_ - begin_ - scanned);
    if (hit) {
      size_t at = static_cast<size_t>(static_cast<const char*>(hit) - buf_.data());
      line = std::string_view(buf_.data() + begin_, at - begin_);
      begin_ = at + 1;
      break;
    }
    scanned = end_ - begin_;
    if (scanned >= kMaxLine) {
      // Keep the first kMaxLine bytes for the caller and drop the rest.
      cut_line_.assign(buf_.data() + begin_, kMaxLine);
      begin_ = end_;
      for (;;) {
        if (!fill()) break;
        const void* nl = std::memchr(buf_.data() + begin_, '\n', end_ - begin_);
        if (nl) {
          begin_ = static_cast<size_t>(static_cast<const char*>(nl) - buf_.data()) + 1;
          break;
        }
        begin_ = end_;
      }
      if (!error_.empty()) return false;
      cut_ = true;
      line = cut_line_;
      break;
    }
    if (eof_ || !fill()) {
      if (!error_.empty()) return false;
      if (scanned == 0) return false;
      line = std::string_view(buf_.data() + begin_, scanned);
      begin_ = end_;
      unterminated_ = true;
      break;
    }
  }
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  ++line_no_;
  return true;
}

}  // namespace nl::ledger
