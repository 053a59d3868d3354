// A streaming line reader for big text files (RIR statistics): a fixed
// buffer, never the whole file in memory. A line longer than the cap is
// cut and flagged, and the rest of it skipped, so a file without newlines
// can't make the reader grow without bound.
#pragma once
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <string_view>

#include "crypto/basics/result.h"

namespace nl::ledger {

class LineReader {
 public:
  static constexpr size_t kMaxLine = 64 * 1024;

  static Result<LineReader> open(const std::string& path);

  // The next line without its "\n" (or "\r\n"); false at the end of the
  // file or on a read error (see error()). The view lives until the next call.
  bool next(std::string_view& line);
  uint64_t line_number() const { return line_no_; }
  // The line just returned was longer than kMaxLine and is cut.
  bool cut() const { return cut_; }
  // The line just returned is the last one and no newline ended it.
  bool unterminated() const { return unterminated_; }
  // Set when next() returned false because reading failed.
  const std::string& error() const { return error_; }

 private:
  struct Closer {
    void operator()(std::FILE* f) const { std::fclose(f); }
  };
  bool fill();  // reads more bytes after the kept ones; false at EOF or error

  std::string path_;
  std::unique_ptr<std::FILE, Closer> file_;
  std::string buf_;
  std::string cut_line_;  // the kept part of an over-long line
  size_t begin_ = 0, end_ = 0;  // unread bytes are buf_[begin_, end_)
  bool eof_ = false;
  uint64_t line_no_ = 0;
  bool cut_ = false, unterminated_ = false;
  std::string error_;
};

}  // namespace nl::ledger
