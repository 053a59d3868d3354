// Blocks read from a store once each, however often a proof or a state
// sync snapshot asks for them while it is being made.
#pragma once
#include <cstdint>
#include <map>
#include <string>

#include "ledger/block_store.h"

namespace nl::ledger {

class BlockCache {
 public:
  explicit BlockCache(const BlockStore& store) : store_(store) {}
  BlockCache(const BlockCache&) = delete;
  BlockCache& operator=(const BlockCache&) = delete;

  // Valid while the cache lives.
  Result<const Block*> operator()(uint64_t h) {
    if (auto it = blocks_.find(h); it != blocks_.end()) return &it->second;
    auto b = store_.block(h);
    if (!b) return fail("cannot read block " + std::to_string(h) + ": " + b.error());
    return &blocks_.emplace(h, std::move(*b)).first->second;
  }

 private:
  const BlockStore& store_;
  std::map<uint64_t, Block> blocks_;
};

}  // namespace nl::ledger
