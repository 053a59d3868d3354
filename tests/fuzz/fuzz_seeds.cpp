// Writes the seed corpus of every fuzz target: fuzz_seeds OUT SOURCE_DIR [DATA_DIR].
// Binary seeds are encoded here from the fuzz world's real blocks and the
// golden vectors (tests/golden_*.inc), so no binary file is committed; text
// seeds are small samples of the real registry files in DATA_DIR (the
// repository's ../shared/data), skipped with a note when it is missing.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "consensus/message.h"
#include "consensus/wal.h"
#include "crypto/key_file.h"
#include "fuzz_world.h"
#include "ledger/control_proof.h"
#include "ledger/evidence.h"
#include "ledger/interop/rir_keystore.h"
#include "ledger/interop/vrp.h"
#include "node/transport/p2p_message.h"
#include "node/rtr/rtr_pdu.h"

namespace fs = std::filesystem;
using namespace nl;
using namespace nl::ledger;

namespace {

const std::map<std::string, std::string> kGoldenTx = {
#include "golden_tx_vectors.inc"
};
const std::string kGoldenHeader =
#include "golden_header_vector.inc"
    ;
const std::string kGoldenEvidence =
#include "golden_evidence_vector.inc"
    ;

fs::path out_dir;
size_t written = 0;

void seed(const std::string& target, const std::string& name, ByteView data) {
  fs::create_directories(out_dir / target);
  std::ofstream out(out_dir / target / name, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(data.data()), static_cast<std::streamsize>(data.size()));
  ++written;
}
void seed(const std::string& target, const std::string& name, const std::string& text) {
  seed(target, name, as_bytes(text));
}
// A seed whose first byte picks a mode of the target.
void seed(const std::string& target, const std::string& name, uint8_t mode, ByteView data) {
  Bytes b{mode};
  b.insert(b.end(), data.begin(), data.end());
  seed(target, name, b);
}

std::optional<std::string> read_text(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) return std::nullopt;
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The first `head` lines and then every `stride`-th line, up to `max` bytes:
// a real file's shape (version, summaries, every record type) in a few KiB.
std::string sample_lines(const std::string& text, size_t head, size_t stride, size_t max) {
  std::istringstream in(text);
  std::string line, out;
  for (size_t n = 0; std::getline(in, line) && out.size() < max; ++n)
    if (n < head || n % stride == 0) out += line + "\n";
  return out;
}

SignedVote vote(uint64_t height, const char* block, VoteType type = VoteType::prevote) {
  return SignedVote::make(fuzz::world().genesis.hash(), height, 0, type, crypto::sha256(as_bytes(block)),
                          test::seeded_key(100));
}

void ledger_seeds(fuzz::World& w) {
  for (const auto& [name, hex] : kGoldenTx) {
    Bytes unsigned_part = from_hex(hex).value();
    seed("transaction", "golden-" + name, unsigned_part);
  }
  for (size_t i = 0; i < w.txs.size(); ++i) seed("transaction", "world-" + std::to_string(i), w.txs[i].encode());
  for (size_t i = 0; i < w.blocks.size(); ++i) {
    seed("block", "world-" + std::to_string(i + 1), w.blocks[i].encode());
    seed("certificate", "world-" + std::to_string(i + 1), w.certs[i].encode());
  }
  Block with_evidence = w.blocks.back();
  with_evidence.evidence = {VoteEvidence::make(vote(1, "a"), vote(1, "b")).value()};
  seed("block", "with-evidence", with_evidence.encode());
  seed("block", "golden-header", from_hex(kGoldenHeader).value());
  seed("evidence", "golden", from_hex(kGoldenEvidence).value());
  seed("evidence", "world", with_evidence.evidence[0].encode());
  const VoteEvidence& e = *with_evidence.evidence[0].vote();
  seed("evidence", "finding-swapped", Evidence(VoteEvidence{e.b, e.a}).encode());
  for (const char* r : {"10.1.5.0/24", "10.1.0.0/16", "2001:db8:1::/48", "AS64500", "10.0.0.0/8"}) {
    auto proof = w.chain->prove_control(fuzz::res(r));
    std::string name = std::string("world-") + r;
    std::replace(name.begin(), name.end(), '/', '_');
    if (proof) seed("proof", name, proof->encode());
  }
}

void consensus_seeds(fuzz::World& w) {
  const Block& b = w.blocks.back();
  const Bytes value = b.encode();
  auto proposal = consensus::Proposal::make(fuzz::world().genesis.hash(), b.header.height, 1, 0, b.header.hash(), value,
                                            test::seeded_key(100));
  consensus::Decision decision{b.header.height, b.header.hash(), value, w.certs.back()};
  std::vector<std::pair<std::string, consensus::Message>> msgs = {
      {"proposal", proposal}, {"vote", vote(2, "x", VoteType::precommit)}, {"decision", decision}};
  for (const auto& [name, m] : msgs) seed("consensus_message", name, consensus::encode_message(m));

  consensus::LockRecord lock;
  lock.height = 2;
  lock.round = 1;
  lock.locked_round = 0;
  lock.locked_id = b.header.hash();
  lock.locked_value = value;
  lock.valid_round = 0;
  lock.valid_id = b.header.hash();
  lock.valid_value = value;
  lock.valid_polka = {vote(2, "x")};
  std::vector<std::pair<std::string, consensus::WalEntry>> entries = {
      {"proposal", proposal}, {"vote", vote(2, "y")}, {"lock", lock}};
  // The file target's structured mode: u16 length || payload, repeated.
  Bytes file{0};
  for (const auto& [name, e] : entries) {
    Bytes enc = consensus::encode_wal_entry(e);
    seed("wal_entry", name, enc);
    if (enc.size() > 0xFFFF) continue;
    file.push_back(static_cast<uint8_t>(enc.size() >> 8));
    file.push_back(static_cast<uint8_t>(enc.size()));
    file.insert(file.end(), enc.begin(), enc.end());
  }
  seed("file_wal", "entries", file);

  namespace p2p = node::p2p;
  p2p::Hello hello{p2p::kProtocolVersion, test::kTestChain, w.chain->genesis_hash(),
                   test::seeded_key(7).public_key(), 2, {}, true};
  std::vector<std::pair<std::string, p2p::P2pMessage>> frames = {
      {"hello", hello},
      {"hello_auth", p2p::HelloAuth{test::seeded_key(7).sign(as_bytes("nonce"))}},
      {"tx", p2p::TxMessage{w.txs.front()}},
      {"txs", p2p::TxsMessage{w.txs}},
      {"consensus-proposal", p2p::ConsensusMessage{proposal}},
      {"consensus-decision", p2p::ConsensusMessage{decision}},
      {"status", p2p::StatusMessage{2, b.header.hash()}},
      {"get_blocks", p2p::GetBlocks{1, 2}},
      {"blocks", p2p::Blocks{{{w.blocks[0], w.certs[0]}, {w.blocks[1], w.certs[1]}}}}};
  for (const auto& [name, m] : frames) seed("p2p_message", name, p2p::encode(m));
}

void rtr_seeds() {
  namespace rtr = node::rtr;
  std::vector<std::pair<std::string, rtr::PduBody>> bodies = {
      {"serial_notify", rtr::SerialNotify{7, 42}},
      {"serial_query", rtr::SerialQuery{7, 42}},
      {"reset_query", rtr::ResetQuery{}},
      {"cache_response", rtr::CacheResponse{7}},
      {"prefix4", rtr::PrefixPdu{true, fuzz::res("10.1.0.0/16"), 24, 64500}},
      {"prefix6", rtr::PrefixPdu{false, fuzz::res("2001:db8::/32"), 48, 64501}},
      {"end_of_data", rtr::EndOfData{7, 42, {}}},
      {"cache_reset", rtr::CacheReset{}},
      {"error_report",
       rtr::ErrorReport{rtr::ErrorCode::invalid_request, rtr::encode({1, rtr::ResetQuery{}}), "no such thing"}}};
  for (uint8_t version : {0, 1})
    for (const auto& [name, body] : bodies)
      seed("rtr_pdu", name + "-v" + std::to_string(version), rtr::encode({version, body}));
}

void query_seeds() {
  for (const char* q : {"10.1.5.7", "10.1.0.0/16", "10.1.0.0 - 10.1.255.255", "2001:db8:1::1", "AS64500", "64500",
                        "AS64496-AS64511", "-B 10.0.0.1", "  \t192.0.2.1", "::/0"})
    seed("whois_query", std::string("q-") + std::to_string(written), std::string(q) + "\r\n");
  for (const char* q : {"10.1.5.7", "10.1.0.0/16", "2001:db8:1::/48", "::ffff:10.1.0.1"})
    seed("rdap_query", std::string("ip-") + std::to_string(written), 1, as_bytes(q));
  for (const char* q : {"64500", "AS64500", "as4294967295"})
    seed("rdap_query", std::string("autnum-") + std::to_string(written), 0, as_bytes(q));
}

void genesis_seeds() {
  Genesis g = fuzz::world_genesis();
  seed("genesis", "world", g.to_json());
  GenesisHolding child{fuzz::res("10.1.2.0/24"), test::seeded_account(3), HoldingKind::assignment,
                       {"child", "ZA", "afrinic", "ORG-1", "abuse@example.net"}, "20240105", {}};
  g.holdings.push_back({fuzz::res("10.1.0.0/16"), test::seeded_account(2), HoldingKind::allocation,
                        {"imported", "ZA", "afrinic", "", ""}, "20230323", {child}});
  g.authorizations.push_back({fuzz::res("10.1.0.0/16"), 24, 64500, test::seeded_account(2)});
  seed("genesis", "imported", g.to_json());
  // The findings of issue 13, so every run starts from them.
  std::string text = fuzz::world_genesis().to_json();
  const std::string time = "\"genesis_time\": " + std::to_string(g.genesis_time);
  if (auto at = text.find(time); at != std::string::npos) {
    seed("genesis", "finding-time-above-2^64", std::string(text).replace(at, time.size(), "\"genesis_time\": 99999999999999999999"));
    seed("genesis", "finding-negative-time", std::string(text).replace(at, time.size(), "\"genesis_time\": -5"));
  }
}

void vrp_seeds(const fs::path& data) {
  std::vector<Vrp> vrps = {{64500, fuzz::res("10.1.0.0/16"), 24, "afrinic"},
                           {13335, fuzz::res("2001:db8::/32"), 48, "apnic"}};
  if (auto text = read_text(data / "vrps-afrinic-20240101.json")) {
    auto real = parse_vrps_json(*text);
    if (real)
      for (size_t i = 0; i < real->size(); i += 400) vrps.push_back((*real)[i]);
  }
  seed("vrp_json", "sample", format_vrps_json(vrps, 1704067200));
  seed("vrp_json", "finding-number-overflow", std::string(R"({"x":1e999,"roas":[]})"));
  seed("vrp_json", "rpki-client",
       std::string(R"({"roas":[{"asn":13335,"prefix":"1.0.0.0/24","maxLength":24,"ta":"apnic","expires":1}]})"));
  seed("vrp_csv", "sample", format_vrps_csv(vrps));
}

void registry_file_seeds(const fs::path& data) {
  for (const char* name : {"delegated-afrinic-extended-20240105", "delegated-lacnic-extended-20160129",
                           "delegated-apnic-extended-20160130"})
    if (auto text = read_text(data / name)) seed("rir_stats", name, sample_lines(*text, 8, 997, 16 * 1024));
  // A 7-field (non-extended) file, as older and NRO files are.
  seed("rir_stats", "seven-fields",
       std::string("2|arin|20240101|3|19700101|20240101|-0500\narin|*|ipv4|*|1|summary\n"
                   "arin|*|asn|*|1|summary\narin|*|ipv6|*|1|summary\narin|US|ipv4|192.0.2.0|256|20000101|assigned\n"
                   "arin|US|asn|64500|2|20000101|allocated\narin|US|ipv6|2001:db8::|32|20000101|allocated\n"));
  if (auto t = read_text(data / "iana-ipv4-address-space.csv")) seed("iana_csv", "ipv4", 0, as_bytes(*t));
  if (auto t = read_text(data / "iana-ipv6-unicast-address-assignments.csv")) seed("iana_csv", "ipv6", 1, as_bytes(*t));
}

void key_file_seeds() {
  const fs::path dir = fuzz::temp_dir() + "-keys";
  fs::create_directories(dir);
  auto copy = [&](const char* name, const std::optional<std::string>& pass) {
    if (!crypto::save_key_file(dir / name, test::seeded_key(9), pass).ok()) return;
    if (auto t = read_text(dir / name)) seed("key_file", name, *t);
  };
  copy("plain", std::nullopt);
  copy("encrypted", std::string("passphrase"));
  auto ks = RirKeystore::open((dir / "keystore").string());
  if (ks) {
    for (const char* org : {"iana", "afrinic", "afrinic-F36B9F4B"}) (void)ks->account(org);
    if (ks->save().ok())
      if (auto t = read_text(ks->path())) seed("keystore", "three-orgs", *t);
  }
  std::error_code ec;
  fs::remove_all(dir, ec);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: fuzz_seeds OUT_DIR SOURCE_DIR [DATA_DIR]\n");
    return 2;
  }
  out_dir = argv[1];
  const fs::path data = argc > 3 ? fs::path(argv[3]) : fs::path(argv[2]) / ".." / "shared" / "data";
  if (!fs::is_directory(data))
    std::fprintf(stderr, "fuzz_seeds: %s is missing; seeds without real registry files\n", data.c_str());
  auto& w = fuzz::world();
  ledger_seeds(w);
  consensus_seeds(w);
  rtr_seeds();
  query_seeds();
  genesis_seeds();
  vrp_seeds(data);
  registry_file_seeds(data);
  key_file_seeds();
  std::printf("fuzz_seeds: %zu seeds in %s\n", written, out_dir.c_str());
  return 0;
}
