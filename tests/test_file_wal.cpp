// The on-disk consensus WAL: round trip, torn tails, corruption, pruning,
// and kill -9 in the middle of appends.
#include <doctest/doctest.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "node/driver/file_wal.h"
#include "support/fixtures.h"
#include "support/process.h"

using namespace nl;
using nl::consensus::LockRecord;
using nl::consensus::Proposal;
using nl::consensus::WalEntry;
using nl::node::FileWal;

namespace {

const std::string kChain = "chain-wal";

ledger::SignedVote vote(uint64_t h, uint32_t r, uint8_t fill) {
  crypto::Hash32 id;
  id.b.fill(fill);
  return ledger::SignedVote::make(crypto::sha256(as_bytes(kChain)), h, r, ledger::VoteType::prevote, id, test::seeded_key(100));
}

std::vector<WalEntry> sample(uint64_t h) {
  crypto::Hash32 id;
  id.b.fill(7);
  LockRecord lock;
  lock.height = h;
  lock.round = 2;
  lock.locked_round = 1;
  lock.locked_id = id;
  lock.locked_value = Bytes{1, 2, 3};
  return {vote(h, 0, 1),
          Proposal::make(crypto::sha256(as_bytes(kChain)), h, 1, 0, id, Bytes(100, 9), test::seeded_key(101)), lock,
          vote(h, 2, 2)};
}

uintmax_t file_size(const std::string& p) { return std::filesystem::file_size(p); }

}  // namespace

TEST_CASE("file wal: entries survive reopening, in order") {
  test::TempDir dir("nl-wal");
  std::string path = dir / "consensus.wal";
  auto entries = sample(5);
  {
    auto w = FileWal::open(path);
    REQUIRE(w.ok());
    for (const auto& e : entries) REQUIRE((*w)->append(e).ok());
  }
  auto w = FileWal::open(path);
  REQUIRE(w.ok());
  CHECK((*w)->torn_bytes_dropped() == 0);
  auto loaded = (*w)->load();
  REQUIRE(loaded.ok());
  CHECK(*loaded == entries);
}

TEST_CASE("file wal: a torn last record is dropped, earlier ones kept") {
  test::TempDir dir("nl-wal");
  std::string path = dir / "consensus.wal";
  auto entries = sample(5);
  {
    auto w = FileWal::open(path);
    REQUIRE(w.ok());
    for (const auto& e : entries) REQUIRE((*w)->append(e).ok());
  }
  auto full = file_size(path);
  for (uintmax_t cut : {uintmax_t{1}, uintmax_t{5}, uintmax_t{40}}) {
    std::filesystem::resize_file(path, full - cut);
    auto w = FileWal::open(path);
    REQUIRE(w.ok());
    CHECK((*w)->torn_bytes_dropped() > 0);
    auto loaded = (*w)->load();
    REQUIRE(loaded.ok());
    CHECK(loaded->size() == entries.size() - 1);
    CHECK(std::equal(loaded->begin(), loaded->end(), entries.begin()));
    // The torn bytes are gone: appending again gives a clean log.
    REQUIRE((*w)->append(entries.back()).ok());
    full = file_size(path);
  }
  auto w = FileWal::open(path);
  REQUIRE(w.ok());
  CHECK((*w)->load()->size() == entries.size());
}

TEST_CASE("file wal: a corrupt record followed by more records refuses to load") {
  test::TempDir dir("nl-wal");
  std::string path = dir / "consensus.wal";
  {
    auto w = FileWal::open(path);
    REQUIRE(w.ok());
    for (const auto& e : sample(5)) REQUIRE((*w)->append(e).ok());
  }
  {
    std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(10);
    f.put('\xff');
  }
  auto w = FileWal::open(path);
  REQUIRE_FALSE(w.ok());
  CHECK(w.error().find("corrupt") != std::string::npos);
}

TEST_CASE("file wal: pruning keeps only the heights asked for, durably") {
  test::TempDir dir("nl-wal");
  std::string path = dir / "consensus.wal";
  auto a = sample(5), b = sample(6);
  {
    auto w = FileWal::open(path);
    REQUIRE(w.ok());
    for (const auto& e : a) REQUIRE((*w)->append(e).ok());
    for (const auto& e : b) REQUIRE((*w)->append(e).ok());
    REQUIRE((*w)->prune_below(6).ok());
    CHECK(*(*w)->load() == b);
    REQUIRE((*w)->append(a.front()).ok());  // still appendable after the swap
  }
  auto w = FileWal::open(path);
  REQUIRE(w.ok());
  auto loaded = (*w)->load();
  REQUIRE(loaded.ok());
  REQUIRE(loaded->size() == b.size() + 1);
  CHECK(std::equal(b.begin(), b.end(), loaded->begin()));
  CHECK_FALSE(std::filesystem::exists(path + ".tmp"));
}

TEST_CASE("file wal: a prune that keeps nothing empties the log, which then takes appends and reopens") {
  test::TempDir dir("nl-wal-empty");
  std::string path = dir / "consensus.wal";
  auto a = sample(5), b = sample(6), c = sample(7);
  {
    auto w = FileWal::open(path);
    REQUIRE(w.ok());
    for (const auto& e : a) REQUIRE((*w)->append(e).ok());
    REQUIRE((*w)->prune_below(6).ok());
    CHECK(file_size(path) == 0);
    CHECK((*w)->load()->empty());
    REQUIRE((*w)->prune_below(7).ok());  // an empty log: nothing to do
    for (const auto& e : b) REQUIRE((*w)->append(e).ok());
    for (const auto& e : c) REQUIRE((*w)->append(e).ok());
    // Entries at and above the height are kept: the rewrite path.
    REQUIRE((*w)->prune_below(7).ok());
    CHECK(*(*w)->load() == c);
  }
  {
    // Reopened, the log knows its highest height: pruning above it empties it.
    auto w = FileWal::open(path);
    REQUIRE(w.ok());
    CHECK(*(*w)->load() == c);
    REQUIRE((*w)->prune_below(7).ok());
    CHECK(*(*w)->load() == c);
    REQUIRE((*w)->prune_below(8).ok());
    CHECK(file_size(path) == 0);
    REQUIRE((*w)->append(c.front()).ok());
  }
  auto w = FileWal::open(path);
  REQUIRE(w.ok());
  auto loaded = (*w)->load();
  REQUIRE(loaded.ok());
  REQUIRE(loaded->size() == 1);
  CHECK(loaded->front() == c.front());
}

TEST_CASE("file wal: an unopenable path is an error, not a crash") {
  auto w = FileWal::open("/nonexistent-dir/consensus.wal");
  REQUIRE_FALSE(w.ok());
  CHECK(w.error().find("/nonexistent-dir/consensus.wal") != std::string::npos);
}

// A child appends as fast as it can and reports each acknowledged append on
// a pipe; kill -9 lands mid-stream. Every acknowledged entry must be there.
TEST_CASE("file wal: kill -9 during appends loses nothing acknowledged") {
  test::TempDir dir("nl-wal");
  std::string path = dir / "consensus.wal";
  for (int trial = 0; trial < 3; ++trial) {
    int fds[2];
    REQUIRE(pipe(fds) == 0);
    pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      close(fds[0]);
      auto w = FileWal::open(path);
      if (!w.ok()) _exit(3);
      for (uint32_t i = 0;; ++i) {
        if (!(*w)->append(vote(100 + trial, i, static_cast<uint8_t>(i))).ok()) _exit(4);
        if (write(fds[1], &i, sizeof i) != sizeof i) _exit(5);
      }
    }
    close(fds[1]);
    uint32_t acked = 0, got;
    int reads = 0;
    while (reads < 20 + trial * 15 && read(fds[0], &got, sizeof got) == sizeof got) {
      acked = got + 1;
      ++reads;
    }
    kill(pid, SIGKILL);
    waitpid(pid, nullptr, 0);
    while (read(fds[0], &got, sizeof got) == sizeof got) acked = got + 1;
    close(fds[0]);

    auto w = FileWal::open(path);
    REQUIRE(w.ok());
    auto loaded = (*w)->load();
    REQUIRE(loaded.ok());
    uint32_t this_trial = 0;
    for (const auto& e : *loaded)
      if (consensus::wal_entry_height(e) == 100u + trial) {
        CHECK(std::get<ledger::SignedVote>(e).round == this_trial);
        ++this_trial;
      }
    CHECK(this_trial >= acked);
  }
}

// A disk that fills mid-record: the append fails, the log takes no more
// writes, and on reopening the part-written record is a torn tail, dropped.
TEST_CASE("file wal: after a failed append the log refuses writes and reopens cleanly") {
  test::TempDir dir("nl-wal");
  std::string path = dir / "consensus.wal";
  pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    auto w = FileWal::open(path);
    if (!w.ok()) _exit(3);
    for (uint32_t i = 0; i < 2; ++i)
      if (!(*w)->append(vote(7, i, 1)).ok()) _exit(4);
    // Room for 50 more bytes: the next record is cut short, as on a full disk.
    signal(SIGXFSZ, SIG_IGN);
    rlimit lim{};
    getrlimit(RLIMIT_FSIZE, &lim);
    const rlimit small{static_cast<rlim_t>(std::filesystem::file_size(path) + 50), lim.rlim_max};
    if (setrlimit(RLIMIT_FSIZE, &small) != 0) _exit(5);
    if ((*w)->append(vote(7, 2, 1)).ok()) _exit(6);
    if (setrlimit(RLIMIT_FSIZE, &lim) != 0) _exit(7);
    auto again = (*w)->append(vote(7, 3, 1));
    if (again.ok() || again.error().find("an earlier append failed") == std::string::npos) _exit(8);
    if ((*w)->prune_below(1).ok()) _exit(9);
    _exit(0);
  }
  int status = 0;
  REQUIRE(waitpid(pid, &status, 0) == pid);
  REQUIRE(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);

  auto w = FileWal::open(path);
  REQUIRE(w.ok());
  CHECK((*w)->torn_bytes_dropped() == 50);
  auto loaded = (*w)->load();
  REQUIRE(loaded.ok());
  REQUIRE(loaded->size() == 2);
  CHECK(std::get<ledger::SignedVote>((*loaded)[1]).round == 1);
  CHECK((*w)->append(vote(7, 2, 1)).ok());  // a reopened log writes again
}

// issue 20, bug 4: a lock record of two values at the block limit and a
// full polka passed the old cap (2 x 4 MiB + 4 KiB), was appended anyway,
// and made the next start fail with "corrupt record".
TEST_CASE("file wal: the largest lock record (two values at the block limit, a full polka) reloads") {
  test::TempDir dir("nl-wal");
  std::string path = dir / "consensus.wal";
  LockRecord lock;
  lock.height = 9;
  lock.round = 3;
  lock.locked_round = 1;
  lock.locked_value = Bytes(consensus::kMaxValueBytes, 0x11);
  lock.locked_id = crypto::sha256(lock.locked_value);
  lock.valid_round = 2;
  lock.valid_value = Bytes(consensus::kMaxValueBytes, 0x22);
  lock.valid_id = crypto::sha256(lock.valid_value);
  const auto one = vote(9, 2, 3);
  for (size_t i = 0; i < consensus::kMaxPolkaVotes; ++i) lock.valid_polka.push_back(one);
  const size_t size = consensus::encode_wal_entry(lock).size();
  CHECK(size > consensus::kMaxValueBytes * 2 + 4096);  // what the old cap refused to read
  CHECK(size == consensus::kMaxWalEntryBytes);           // the cap is exactly the largest entry
  {
    auto w = FileWal::open(path);
    REQUIRE(w.ok());
    REQUIRE((*w)->append(vote(9, 0, 1)).ok());
    REQUIRE((*w)->append(lock).ok());
    REQUIRE((*w)->append(vote(9, 3, 4)).ok());
  }
  auto w = FileWal::open(path);
  REQUIRE_MESSAGE(w.ok(), w.error());
  auto loaded = (*w)->load();
  REQUIRE(loaded.ok());
  REQUIRE(loaded->size() == 3);
  CHECK(std::get<LockRecord>((*loaded)[1]) == lock);
}

// issue 20, bug 4: a damaged length in the middle was taken for a torn tail
// and the signed records after it were truncated for good.
TEST_CASE("file wal: a damaged length mid-file stops the open and truncates nothing") {
  test::TempDir dir("nl-wal");
  std::string path = dir / "consensus.wal";
  {
    auto w = FileWal::open(path);
    REQUIRE(w.ok());
    for (const auto& e : sample(5)) REQUIRE((*w)->append(e).ok());
  }
  const auto full = file_size(path);
  for (uint32_t bad : {uint32_t{0x7fffffff}, static_cast<uint32_t>(full)}) {
    // The first record's length: past the cap, then past the file's end.
    {
      std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
      const char be[4] = {static_cast<char>(bad >> 24), static_cast<char>(bad >> 16), static_cast<char>(bad >> 8),
                          static_cast<char>(bad)};
      f.seekp(0);
      f.write(be, 4);
    }
    auto w = FileWal::open(path);
    REQUIRE_FALSE(w.ok());
    CHECK_MESSAGE(w.error().find("corrupt in the middle, not torn at its end") != std::string::npos, w.error());
    CHECK(file_size(path) == full);  // nothing dropped
  }
}
