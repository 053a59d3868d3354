// The consensus write-ahead log on disk: one append-only file, each record
//   u32 length || payload (encode_wal_entry) || first 8 bytes of SHA-256(payload)
// fdatasync'ed before append() returns, so nothing is sent that a crash
// could forget. A record cut short by a crash at the end of the file is
// dropped on open; a bad record followed by a whole record anywhere after
// it is corruption, and the log refuses to load rather than lose what
// follows. A record holds at most consensus::kMaxWalEntryBytes. After a failed append the
// log takes no more writes: the node halts and reopens it.
#pragma once
#include <memory>
#include <string>

#include "consensus/wal.h"
#include "crypto/basics/result.h"

namespace nl::node {

class FileWal : public consensus::Wal {
 public:
  static Result<std::unique_ptr<FileWal>> open(const std::string& path);
  ~FileWal() override;
  FileWal(const FileWal&) = delete;
  FileWal& operator=(const FileWal&) = delete;

  Status append(const consensus::WalEntry& e) override;
  Result<std::vector<consensus::WalEntry>> load() override;
  Status prune_below(uint64_t height) override;

  // Bytes dropped from a torn tail when the file was opened.
  uint64_t torn_bytes_dropped() const { return torn_; }

 private:
  FileWal(std::string path, int fd) : path_(std::move(path)), fd_(fd) {}
  std::string path_;
  int fd_ = -1;
  uint64_t torn_ = 0;
  std::string broken_;  // why an append failed; empty while healthy
  // What the file holds, so that a prune that keeps nothing (the usual
  // case: a commit prunes the height it finished) truncates the file
  // instead of reading and rewriting it.
  uint64_t bytes_ = 0;
  uint64_t max_height_ = 0;  // highest entry height in the file
};

}  // namespace nl::node
