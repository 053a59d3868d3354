// A StateReader over entries in a std::map: a bare registry in a test keeps
// its "committed" entries there, as a chain keeps them in its store.
#pragma once
#include <algorithm>
#include <map>
#include <memory>

#include "ledger/state_reader.h"

namespace nl::test {

class MapStateReader final : public ledger::StateReader {
 public:
  explicit MapStateReader(const std::map<Bytes, Bytes>& entries) : entries_(entries) {}
  std::optional<Bytes> get(ByteView key) const override {
    auto it = entries_.find(Bytes(key.begin(), key.end()));
    if (it == entries_.end()) return std::nullopt;
    return it->second;
  }
  std::unique_ptr<ledger::StateCursor> cursor(ByteView lower, ByteView upper) const override {
    return std::make_unique<Cursor>(entries_, Bytes(lower.begin(), lower.end()), Bytes(upper.begin(), upper.end()));
  }

 private:
  class Cursor final : public ledger::StateCursor {
   public:
    Cursor(const std::map<Bytes, Bytes>& m, Bytes lower, Bytes upper)
        : m_(m), lower_(std::move(lower)), upper_(std::move(upper)), it_(m.end()) {}
    void seek(ByteView key) override { it_ = m_.lower_bound(std::max(lower_, Bytes(key.begin(), key.end()))); }
    void seek_for_prev(ByteView key) override {
      // The last entry at or before key, and below the upper bound.
      const Bytes k(key.begin(), key.end());
      it_ = k < upper_ ? m_.upper_bound(k) : m_.lower_bound(upper_);
      prev();
    }
    bool valid() const override { return it_ != m_.end() && lower_ <= it_->first && it_->first < upper_; }
    void next() override { ++it_; }
    void prev() override { it_ = it_ == m_.begin() ? m_.end() : std::prev(it_); }
    ByteView key() const override { return it_->first; }
    ByteView value() const override { return it_->second; }

   private:
    const std::map<Bytes, Bytes>& m_;
    const Bytes lower_, upper_;
    std::map<Bytes, Bytes>::const_iterator it_;
  };
  const std::map<Bytes, Bytes>& entries_;
};

}  // namespace nl::test
