// The import keystore (DIR/keystore.jsonl): any file opens or gives a
// reason naming the line. The org names map both ways, and a key handed
// out is the account's (a seed that is not is refused when asked for).
#include <filesystem>

#include "fuzz_check.h"
#include "fuzz_temp_file.h"
#include "ledger/interop/rir_keystore.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace nl;
  const std::string path = fuzz::write_temp_file(fuzz::bytes_of(data, size), ledger::RirKeystore::kFileName);
  auto ks = ledger::RirKeystore::open(std::filesystem::path(path).parent_path().string());
  if (!ks) return 0;
  // Which orgs it holds is not listed; the header comment's examples are
  // what the seeds use.
  for (const char* org : {"iana", "afrinic", "afrinic-F36B9F4B", "lacnic"}) {
    auto a = ks->find(org);
    if (!a) continue;
    fuzz::require(ks->org_of(*a) == std::optional<std::string>(org), "keystore: an org's account maps to another org");
    auto key = ks->key(*a);
    fuzz::require(!key || ledger::AccountId{key->public_key()} == *a, "keystore: handed out a key that is not the account's");
  }
  return 0;
}
