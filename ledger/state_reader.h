// Committed state entries read where they are stored (the block store's
// state column), for a registry that keeps some kinds of entry on disk
// instead of in memory (stored_entries.h). Reads see every batch
// written before them. The store answered every read when it opened, so a
// read that fails later is a broken disk: it throws.
#pragma once
#include <memory>
#include <optional>

#include "crypto/basics/bytes.h"

namespace nl::ledger {

// Entries in key order within the bounds it was made with, as they were
// when it was made.
class StateCursor {
 public:
  virtual ~StateCursor() = default;
  // The first entry at or after `key`.
  virtual void seek(ByteView key) = 0;
  // The last entry at or before `key`.
  virtual void seek_for_prev(ByteView key) = 0;
  virtual bool valid() const = 0;
  virtual void next() = 0;
  virtual void prev() = 0;
  // Valid until the next seek or next.
  virtual ByteView key() const = 0;
  virtual ByteView value() const = 0;
};

class StateReader {
 public:
  virtual ~StateReader() = default;
  virtual std::optional<Bytes> get(ByteView key) const = 0;
  // Over the keys in [lower, upper).
  virtual std::unique_ptr<StateCursor> cursor(ByteView lower, ByteView upper) const = 0;
};

}  // namespace nl::ledger
