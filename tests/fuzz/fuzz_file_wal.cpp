// The WAL file's framing (u32 length || payload || 8 bytes of SHA-256):
// opening any file gives the entries or a reason, never a crash; what it
// keeps is exactly the framed encoding of the entries it loads, and what it
// drops is only a torn tail. Inputs with an even first byte are a list of
// u16-length payloads framed here with good checksums, so the fuzzer
// reaches the entry decoder; odd ones are the raw file.
#include <fstream>
#include <iterator>

#include "crypto/hash.h"
#include "fuzz_check.h"
#include "fuzz_temp_file.h"
#include "node/driver/file_wal.h"

namespace {

void put_u32(nl::Bytes& out, uint32_t v) {
  for (int i = 3; i >= 0; --i) out.push_back(static_cast<uint8_t>(v >> (8 * i)));
}

void frame(nl::Bytes& out, nl::ByteView payload) {
  put_u32(out, static_cast<uint32_t>(payload.size()));
  out.insert(out.end(), payload.begin(), payload.end());
  auto sum = nl::crypto::sha256(payload);
  out.insert(out.end(), sum.b.begin(), sum.b.begin() + 8);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace nl;
  if (size == 0) return 0;
  Bytes file;
  if (data[0] & 1) {
    file.assign(data + 1, data + size);
  } else {
    for (size_t i = 1; i + 2 <= size;) {
      size_t len = std::min<size_t>((size_t{data[i]} << 8) | data[i + 1], size - i - 2);
      frame(file, ByteView(data + i + 2, len));
      i += 2 + len;
    }
  }
  const std::string path = fuzz::write_temp_file(file, "consensus.wal");
  auto wal = node::FileWal::open(path);
  if (!wal) return 0;
  auto entries = (*wal)->load();
  fuzz::require(entries.ok(), "file wal: opened but would not load");
  Bytes again;
  for (const auto& e : *entries) frame(again, consensus::encode_wal_entry(e));
  fuzz::require(again.size() <= file.size() && std::equal(again.begin(), again.end(), file.begin()),
                "file wal: loaded entries do not re-encode to the start of the file");
  fuzz::require((*wal)->torn_bytes_dropped() == file.size() - again.size(), "file wal: dropped more than a torn tail");
  std::ifstream in(path, std::ios::binary);
  Bytes kept{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  fuzz::require(kept == again, "file wal: the file kept is not the entries it loaded");
  return 0;
}
