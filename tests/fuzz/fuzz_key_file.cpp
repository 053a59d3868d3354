// Key files: any file gives a key or a reason. Unencrypted files are
// loaded in full; for encrypted ones only the envelope is read, since each
// Argon2id derivation takes a large fraction of a second by design.
#include <nlohmann/json.hpp>

#include "crypto/key_file.h"
#include "fuzz_check.h"
#include "fuzz_temp_file.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace nl;
  const std::string path = fuzz::write_temp_file(fuzz::bytes_of(data, size), "key");
  auto pub = crypto::read_key_file_public(path);
  auto doc = nlohmann::json::parse(fuzz::text_of(data, size), nullptr, false);
  const bool plain = doc.is_object() && doc.contains("encryption") && doc["encryption"] == "none";
  if (!plain) return 0;
  auto key = crypto::load_key_file(path, std::string("unused"));
  if (key) fuzz::require(pub.ok() && key->public_key() == *pub, "key file: loaded key is not the public key it names");
  return 0;
}
