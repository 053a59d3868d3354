#include "cli/tx_file.h"

#include "cli/cli_common.h"

namespace nl::cli {

using nlohmann::json;

namespace {
// A transaction is at most kMaxTxBytes; its file is hex of that plus a summary.
constexpr size_t kMaxTxFileBytes = 4 * ledger::kMaxTxBytes + 64 * 1024;
}  // namespace

json tx_file_json(const ledger::Transaction& tx) {
  return {{"type", kTxFileType},
          {"version", kTxFileVersion},
          {"id", tx.id().hex()},
          {"summary", tx.describe()},
          {"tx", to_hex(tx.encode())}};
}

Result<ledger::Transaction> read_tx_file(const std::string& path) {
  auto bytes = read_file(path, kMaxTxFileBytes);
  if (!bytes) return bytes.take_error();
  const std::string bad = path + ": not a numledger transaction file: ";
  if (bytes->empty()) return fail(bad + "the file is empty");
  json doc = json::parse(bytes->begin(), bytes->end(), nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return fail(bad + "not valid JSON (truncated or not a text file?)");
  if (!doc.is_object()) return fail(bad + "not a JSON object");
  auto type = doc.find("type");
  if (type == doc.end() || !type->is_string())
    return fail(bad + "no \"type\" field (expected \"" + kTxFileType + "\")");
  if (type->get<std::string>() != kTxFileType)
    return fail(bad + "its type is \"" + type->get<std::string>().substr(0, 64) + "\", expected \"" +
                kTxFileType + "\"");
  auto version = doc.find("version");
  if (version == doc.end() || !version->is_number_integer() || version->get<int64_t>() != kTxFileVersion)
    return fail(path + ": unsupported transaction file version (this tool reads version " +
                std::to_string(kTxFileVersion) + ")");
  auto hex = doc.find("tx");
  if (hex == doc.end() || !hex->is_string()) return fail(path + ": missing \"tx\" (hex of the transaction)");
  const std::string& h = hex->get_ref<const std::string&>();
  if (h.empty()) return fail(path + ": \"tx\" is empty");
  if (h.size() % 2 != 0) return fail(path + ": \"tx\" has an odd number of hex digits (truncated?)");
  auto raw = from_hex(h);
  if (!raw) return fail(path + ": \"tx\" is not valid hex");
  auto tx = ledger::Transaction::decode(*raw);
  if (!tx) return fail(path + ": " + tx.error());
  auto id = doc.find("id");
  if (id != doc.end()) {
    auto given = id->is_string() ? crypto::Hash32::from_hex(id->get<std::string>()) : std::nullopt;
    if (!given || *given != tx->id())
      return fail(path + ": \"id\" does not match the transaction bytes (file edited by hand?)");
  }
  return std::move(*tx);
}

Status write_tx_file(const std::string& path, const ledger::Transaction& tx) {
  return write_file(path, tx_file_json(tx).dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n");
}

std::vector<CoSigner> required_cosigners(const ledger::Transaction& tx) {
  std::vector<CoSigner> out;
  for (const auto& c : ledger::cosigners(tx.body)) out.push_back({std::string(c.role), c.key});
  return out;
}

}  // namespace nl::cli
