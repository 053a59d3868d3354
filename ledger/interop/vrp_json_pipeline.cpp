#include "ledger/interop/vrp_json_pipeline.h"

#include <condition_variable>
#include <deque>
#include <istream>
#include <mutex>
#include <thread>
#include <vector>

namespace nl::ledger {

namespace {

// A restart, or an entry with its position.
struct Parsed {
  bool restart = false;
  uint64_t position = 0;
  Result<Vrp> vrp = fail("");
};
using Batch = std::vector<Parsed>;

}  // namespace

Status each_vrp_json_parallel(std::istream& in, const std::function<void()>& restart,
                              const std::function<void(uint64_t, Result<Vrp>&&)>& entry) {
  std::mutex m;
  std::condition_variable changed;
  std::deque<Batch> ready;
  bool done = false, abandoned = false;
  Status result;

  std::thread parser([&] {
    Batch batch;
    batch.reserve(kVrpBatch);
    auto hand_on = [&] {
      std::unique_lock lock(m);
      changed.wait(lock, [&] { return ready.size() < kVrpBatchesAhead || abandoned; });
      if (!abandoned) ready.push_back(std::move(batch));
      changed.notify_all();
      batch = Batch{};
      batch.reserve(kVrpBatch);
    };
    Status s = each_vrp_json(
        in, [&] { batch.push_back(Parsed{true, 0, fail("")}); },
        [&](uint64_t at, Result<Vrp>&& v) {
          batch.push_back(Parsed{false, at, std::move(v)});
          if (batch.size() == kVrpBatch) hand_on();
        });
    hand_on();
    std::lock_guard lock(m);
    result = std::move(s);
    done = true;
    changed.notify_all();
  });
  // Should the caller's work throw, the parser is told to drop the rest
  // and joined, never left running.
  struct Finish {
    std::thread& t;
    std::mutex& m;
    bool& abandoned;
    std::condition_variable& changed;
    ~Finish() {
      {
        std::lock_guard lock(m);
        abandoned = true;
      }
      changed.notify_all();
      t.join();
    }
  } finish{parser, m, abandoned, changed};

  for (;;) {
    Batch batch;
    {
      std::unique_lock lock(m);
      changed.wait(lock, [&] { return !ready.empty() || done; });
      if (ready.empty()) break;
      batch = std::move(ready.front());
      ready.pop_front();
      changed.notify_all();
    }
    for (Parsed& p : batch) {
      if (p.restart) restart();
      else entry(p.position, std::move(p.vrp));
    }
  }
  std::lock_guard lock(m);
  return result;
}

}  // namespace nl::ledger
