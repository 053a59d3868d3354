// The field lists (ledger/fields.h) against the hand-written code they
// replaced (support/legacy_codecs.h): the same bytes for every kind, the
// same value or the same decode error for hostile bytes, the same
// description and the same JSON view.
#include <doctest/doctest.h>

#include <algorithm>
#include <random>

#include "ledger/field_codec.h"
#include "node/client/json_views.h"
#include "support/fixtures.h"
#include "support/legacy_codecs.h"

using namespace nl;
using namespace nl::ledger;
namespace legacy = nl::test::legacy;

namespace {

// Transaction has no ==; its full encoding stands for it.
template <class T>
bool same_value(const T& a, const T& b) {
  if constexpr (requires { a == b; })
    return a == b;
  else
    return a.encode() == b.encode() && a.signatures == b.signatures;
}

crypto::SecretKey key(uint8_t fill) { return test::seeded_key(fill); }
Resource res(const char* s) { return Resource::parse(s).value(); }

Transaction make(TxBody body, uint8_t signers = 1) {
  Transaction tx;
  tx.chain_id = "fields-test";
  tx.genesis_hash = crypto::sha256(as_bytes("genesis"));
  tx.signer = AccountId{key(1).public_key()};
  tx.nonce = 42;
  tx.body = std::move(body);
  for (uint8_t k = 1; k <= signers; ++k) tx.sign(key(k));
  return tx;
}

std::vector<Transaction> samples() {
  AccountId to{key(2).public_key()};
  std::vector<Validator> changes = {{key(4).public_key(), 2}, {key(5).public_key(), 0}, {key(6).public_key(), 7}};
  std::sort(changes.begin(), changes.end());
  return {
      make(DelegateBody{res("10.1.0.0/16"), to, HoldingKind::lease, 1800000000}),
      make(DelegateBody{res("10.1.0.0/16"), to, HoldingKind::allocation, 0}),
      make(DelegateBody{res("2001:db8::/48"), to, HoldingKind::assignment, 5}),
      make(TransferBody{res("10.1.0.0-10.1.2.255"), to}, 2),
      make(ReturnBody{res("2001:db8::/48")}),
      make(RevokeBody{res("AS64496-AS64511")}),
      make(RenewBody{res("10.1.0.0/16"), 1900000000}),
      make(AuthorizeBody{res("10.1.0.0/16"), 24, 64496}),
      make(WithdrawBody{res("2001:db8::/32"), 48, 4200000000u}),
      make(SetMetadataBody{res("AS64496-AS64511"), {"Example Net", "NL", "ripencc", "ORG-EX1-RIPE", "abuse@x"}}),
      make(SetMetadataBody{res("10.0.0.0/8"), {}}),
      make(RotateKeyBody{key(3).public_key()}, 3),
      make(ValidatorUpdateBody{changes}, 6),
      [&] {
        SetRecoveryBody b{2, {AccountId{key(4).public_key()}, AccountId{key(5).public_key()}}, 86400};
        std::sort(b.accounts.begin(), b.accounts.end());  // a set: one encoding
        return make(b, 1);
      }(),
      make(RecoverBody{AccountId{key(2).public_key()}, key(3).public_key()}, 1),
      make(CancelRecoveryBody{}, 1),
      make(ReturnBody{res("10.0.0.0/8")}, 0),
  };
}

// Byte flips, truncations, insertions and large counts at random offsets.
Bytes mutate(Bytes b, std::mt19937_64& rng) {
  const int n = 1 + static_cast<int>(rng() % 3);
  for (int i = 0; i < n && !b.empty(); ++i) {
    const size_t at = rng() % b.size();
    switch (rng() % 5) {
      case 0: b[at] ^= static_cast<uint8_t>(1u << (rng() % 8)); break;
      case 1: b[at] = static_cast<uint8_t>(rng()); break;
      case 2: b.resize(at); break;
      case 3: b.insert(b.begin() + static_cast<long>(at), static_cast<uint8_t>(rng())); break;
      default:
        for (size_t k = 0; k < 4 && at + k < b.size(); ++k) b[at + k] = k < 2 ? 0 : static_cast<uint8_t>(rng());
    }
  }
  return b;
}

// Both decoders accept the same inputs as the same values and refuse the
// rest with the same words.
template <class T, class New, class Old>
void same_decoding(const Bytes& seed, New&& fresh, Old&& old, int runs = 4000) {
  std::mt19937_64 rng(7);
  int refused = 0;
  for (int i = 0; i < runs; ++i) {
    const Bytes in = i == 0 ? seed : mutate(seed, rng);
    Result<T> a = decode_all<T>(in, "x", fresh);
    Result<T> b = decode_all<T>(in, "x", old);
    REQUIRE(a.ok() == b.ok());
    if (a.ok()) {
      CHECK(same_value(*a, *b));
    } else {
      CHECK(a.error() == b.error());
      ++refused;
    }
  }
  CHECK(refused > runs / 2);
}

}  // namespace

TEST_CASE("every transaction kind encodes to the bytes of the hand-written encoder") {
  for (const auto& tx : samples()) {
    INFO(legacy::describe(tx));
    CHECK(tx.encode() == legacy::encode_tx(tx));
    auto back = Transaction::decode(tx.encode());
    REQUIRE(back.ok());
    CHECK(same_value(*back, tx));
  }
}

TEST_CASE("transaction decode: the same values and the same errors as before, on hostile bytes") {
  for (const auto& tx : samples()) {
    INFO(legacy::describe(tx));
    same_decoding<Transaction>(
        tx.encode(), [](Reader& r) { return Transaction::decode(r); }, [](Reader& r) { return legacy::decode_tx(r); });
  }
}

TEST_CASE("limits keep their words: signature cap per kind, change list, chain id, version, kind byte") {
  Transaction tx = make(ReturnBody{res("10.0.0.0/8")}, 9);
  auto r = Transaction::decode(legacy::encode_tx(tx));
  REQUIRE_FALSE(r.ok());
  CHECK(r.error() == "transaction: a return transaction carries at most 8 signatures; this one has 9");
  Bytes b = tx.encode();
  b[0] = 1;
  CHECK(Transaction::decode(b).error().find("version 1 does not bind the genesis hash") != std::string::npos);
  Transaction bad = make(ReturnBody{res("10.0.0.0/8")});
  bad.chain_id = "has space";
  CHECK(Transaction::decode(legacy::encode_tx(bad)).error() ==
        "transaction: chain id must be 1-64 printable ASCII characters");
  Transaction empty = make(ValidatorUpdateBody{});
  CHECK(Transaction::decode(legacy::encode_tx(empty)).error() == "transaction: validator-update lists no change");
}

TEST_CASE("the description and the JSON view are those of the hand-written code") {
  for (const auto& tx : samples()) {
    CHECK(tx.describe() == legacy::describe(tx));
    CHECK(node::tx_json(tx).dump() == legacy::tx_json(tx).dump());
  }
}

TEST_CASE("header, certificate, vote and evidence: bytes, errors and views as before") {
  BlockHeader h;
  h.chain_id = "fields-test";
  h.height = 12;
  h.time = 1700000123;
  h.prev_hash = crypto::sha256(as_bytes("p"));
  h.tx_root = crypto::sha256(as_bytes("t"));
  h.state_root = crypto::sha256(as_bytes("s"));
  h.validator_set_hash = crypto::sha256(as_bytes("v"));
  h.evidence_root = crypto::sha256(as_bytes("e"));
  h.proposer = key(9).public_key();
  Writer w;
  h.encode(w);
  CHECK(w.data() == legacy::encode_header(h));
  CHECK(node::header_json(h).dump() == legacy::header_json(h).dump());
  same_decoding<BlockHeader>(
      w.data(), [](Reader& r) { return BlockHeader::decode(r); }, [](Reader& r) { return legacy::decode_header(r); });

  CommitCertificate c{11, 2, crypto::sha256(as_bytes("b")), {}};
  for (uint8_t k = 20; k < 24; ++k) c.votes.push_back({key(k).public_key(), key(k).sign(as_bytes("x"))});
  std::sort(c.votes.begin(), c.votes.end());
  CHECK(c.encode() == legacy::encode_cert(c));
  CHECK(node::cert_json(c).dump() == legacy::cert_json(c).dump());
  same_decoding<CommitCertificate>(
      c.encode(), [](Reader& r) { return CommitCertificate::decode(r); },
      [](Reader& r) { return legacy::decode_cert(r); });

  const auto g = crypto::sha256(as_bytes("genesis"));
  auto vote = [&](const char* block) {
    return SignedVote::make(g, 5, 1, VoteType::precommit, crypto::sha256(as_bytes(block)), key(30));
  };
  VoteEvidence e = VoteEvidence::make(vote("a"), vote("b")).value();
  CHECK(Evidence(e).encode() == legacy::encode_evidence(e));
  same_decoding<VoteEvidence>(
      Evidence(e).encode(), [](Reader& r) { return VoteEvidence::decode(r); },
      [](Reader& r) { return legacy::decode_evidence(r); });
}

TEST_CASE("co-signers are the fields their kind marks") {
  AccountId to{key(2).public_key()};
  auto t = cosigners(TransferBody{res("10.0.0.0/8"), to});
  REQUIRE(t.size() == 1);
  CHECK(t[0].role == "recipient");
  CHECK(t[0].key == to.key);
  CHECK(t[0].account);
  auto r = cosigners(RotateKeyBody{key(3).public_key()});
  REQUIRE(r.size() == 1);
  CHECK(r[0].role == "new key");
  CHECK_FALSE(r[0].account);
  CHECK(cosigners(DelegateBody{res("10.0.0.0/8"), to, HoldingKind::allocation, 0}).empty());
}

TEST_CASE("state values (holding, segment, authorization, account): bytes, errors and views as before") {
  const AccountId holder{key(2).public_key()};
  const std::vector<Holding> holdings = {
      {7, res("10.1.0.0/16"), holder, 3, HoldingKind::lease, 1800000000, 12, {"Example", "NL", "ripencc", "H-1", "a@x"}},
      {1, res("2001:db8::/32"), holder, 0, HoldingKind::allocation, 0, 0, {}},
      {9, res("AS64496-AS64511"), holder, 1, HoldingKind::assignment, 0, 99, {"", "", "arin", "", ""}},
  };
  for (const auto& h : holdings) {
    Writer w;
    h.encode(w);
    CHECK(w.data() == legacy::encode_holding(h));
    CHECK(node::holding_json(h).dump() == legacy::holding_json(h).dump());
    same_decoding<Holding>(
        w.data(), [](Reader& r) { return Holding::decode(r); }, [](Reader& r) { return legacy::decode_holding(r); },
        1000);
  }
  const Segment seg{res("10.1.0.0-10.1.2.255"), 7};
  Writer ws;
  seg.encode(ws);
  CHECK(ws.data() == legacy::encode_segment(seg));
  const Authorization a{res("10.1.0.0/16"), 24, 4200000000u, holder, 5};
  Writer wa;
  a.encode(wa);
  CHECK(wa.data() == legacy::encode_authorization(a));
  CHECK(node::authorization_json(a).dump() == legacy::authorization_json(a).dump());
  const AccountState acc{17, key(3).public_key()};
  Writer wc;
  acc.encode(wc);
  CHECK(wc.data() == legacy::encode_account_state(acc));
  Reader rc(wc.data());
  CHECK(AccountState::decode(rc) == acc);
}
