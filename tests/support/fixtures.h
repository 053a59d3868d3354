// Deterministic keys, a small genesis and signed transactions shared by
// the ledger and node tests.
#pragma once
#include <algorithm>
#include <array>
#include <vector>

#include "ledger/block.h"
#include "ledger/chain.h"
#include "ledger/genesis.h"
#include "ledger/transaction.h"

namespace nl::test {

inline crypto::SecretKey seeded_key(uint8_t fill) {
  std::array<uint8_t, 32> seed;
  seed.fill(fill);
  return crypto::SecretKey::from_seed(seed);
}

inline ledger::AccountId seeded_account(uint8_t fill) { return ledger::AccountId{seeded_key(fill).public_key()}; }
inline crypto::PublicKey seeded_pub(uint8_t fill) { return seeded_key(fill).public_key(); }

inline constexpr const char* kTestChain = "chain-test";

// Validators have keys 100, 101, ...; account 1 holds the root 10.0.0.0/8.
inline ledger::Genesis test_genesis(size_t validators) {
  ledger::Genesis g;
  g.chain_id = kTestChain;
  g.genesis_time = 1700000000;
  for (size_t i = 0; i < validators; ++i)
    g.validators.validators.push_back({seeded_key(uint8_t(100 + i)).public_key(), 1});
  std::sort(g.validators.validators.begin(), g.validators.validators.end());
  g.roots.push_back({ledger::Resource::parse("10.0.0.0/8").value(), seeded_account(1), {"root", "", "", "", ""}});
  return g;
}

// The genesis hash of test_genesis(validators): transactions and votes
// bind it, so a helper signs for the genesis the test's chain was built on.
inline const crypto::Hash32& test_genesis_hash(size_t validators = 4) {
  static const auto hashes = [] {
    std::array<crypto::Hash32, 9> h;
    for (size_t n = 1; n < h.size(); ++n) h[n] = test_genesis(n).hash();
    return h;
  }();
  return hashes.at(validators);
}

// A transaction of seeded account `account` signed with the key seeded by
// `with` (its key after a rotation or a recovery), then by each co-signer.
inline ledger::Transaction signed_as(ledger::TxBody body, uint8_t account, uint8_t with, uint64_t nonce,
                                     const std::vector<uint8_t>& cosign = {},
                                     const crypto::Hash32& genesis = test_genesis_hash()) {
  ledger::Transaction tx;
  tx.chain_id = kTestChain;
  tx.genesis_hash = genesis;
  tx.signer = seeded_account(account);
  tx.nonce = nonce;
  tx.body = std::move(body);
  tx.sign(seeded_key(with));
  for (uint8_t c : cosign) tx.sign(seeded_key(c));
  return tx;
}

inline ledger::Transaction signed_tx(ledger::TxBody body, uint8_t from, uint64_t nonce,
                                     const crypto::Hash32& genesis = test_genesis_hash()) {
  return signed_as(std::move(body), from, from, nonce, {}, genesis);
}

inline ledger::Transaction delegate(const char* range, uint8_t from, uint8_t to, uint64_t nonce,
                                    const crypto::Hash32& genesis = test_genesis_hash()) {
  return signed_tx(ledger::DelegateBody{ledger::Resource::parse(range).value(), seeded_account(to),
                                        ledger::HoldingKind::allocation, 0},
                   from, nonce, genesis);
}

// A precommit certificate for `b` signed by the given seeded keys.
inline ledger::CommitCertificate certify(const ledger::Block& b, const std::vector<uint8_t>& signers,
                                         const crypto::Hash32& genesis = test_genesis_hash()) {
  ledger::CommitCertificate c{b.header.height, 0, b.header.hash(), {}};
  for (uint8_t s : signers)
    c.votes.push_back({seeded_key(s).public_key(),
                       seeded_key(s).sign(ledger::vote_sign_bytes(genesis, c.height, 0, ledger::VoteType::precommit,
                                                                  c.block_hash))});
  std::sort(c.votes.begin(), c.votes.end(), [](auto& a, auto& b) { return a.validator < b.validator; });
  return c;
}

// A certified block another validator made: prepared, then committed
// (block sync applies it once instead: Chain::commit_certified).
inline Status commit_block(ledger::Chain& chain, const ledger::Block& b, const ledger::CommitCertificate& cert) {
  auto p = chain.prepare(b);
  if (!p) return p.take_error();
  return chain.commit(*p, cert);
}

}  // namespace nl::test
