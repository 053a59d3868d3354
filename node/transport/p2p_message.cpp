// The /p2p frame codec (whitepaper/network.md). Caps are checked on the
// raw frame before any field is read, so a hostile frame costs at most one
// bounded parse; then every field is read strictly through the canonical
// Reader, and nothing may follow the last field.
#include "node/transport/p2p_message.h"

#include <stdexcept>
#include <type_traits>

#include "crypto/domain_tags.h"
#include "ledger/canonical.h"

namespace nl::node::p2p {
namespace {

using ledger::DecodeError;
using ledger::Reader;
using ledger::Writer;

constexpr Tag kLastTag = Tag::chunk;

bool known_tag(uint8_t t) { return t >= static_cast<uint8_t>(Tag::hello) && t <= static_cast<uint8_t>(kLastTag); }

void encode_hello(Writer& w, const Hello& h) {
  w.u16(h.protocol).str(h.chain_id).fixed(h.genesis_hash.b).fixed(h.node_key.b).u64(h.best_height).fixed(h.nonce);
  w.boolean(h.validator);
}

Hello decode_hello(Reader& r) {
  Hello h;
  h.protocol = r.u16();
  h.chain_id = r.str(ledger::kMaxChainIdBytes);
  h.genesis_hash.b = r.fixed<32>();
  h.node_key.b = r.fixed<32>();
  h.best_height = r.u64();
  h.nonce = r.fixed<32>();
  h.validator = r.boolean();
  return h;
}

void encode_blocks(Writer& w, const Blocks& b) {
  if (b.blocks.size() > kMaxBlocksPerRequest)
    throw std::length_error("a blocks frame carries at most " + std::to_string(kMaxBlocksPerRequest) + " blocks");
  w.count(b.blocks.size());
  for (const auto& cb : b.blocks) {
    // A block may exceed the generic field cap (ledger::kMaxFieldBytes):
    // its length prefix is written here against the block limit.
    const Bytes enc = cb.block.encode();
    if (enc.size() > ledger::kMaxBlockBytes)
      throw std::length_error("block " + std::to_string(cb.block.header.height) + " is " +
                              std::to_string(enc.size()) + " bytes; the limit is " +
                              std::to_string(ledger::kMaxBlockBytes));
    w.u32(static_cast<uint32_t>(enc.size())).raw(enc);
    cb.cert.encode(w);
  }
}

Blocks decode_blocks(Reader& r) {
  Blocks out;
  const uint32_t n = r.count(kMaxBlocksPerRequest);
  out.blocks.reserve(n);
  for (uint32_t i = 0; i < n; ++i) {
    // Reader::bytes checks the length against the block limit and against
    // what is left before it allocates.
    Bytes enc = r.bytes(static_cast<uint32_t>(ledger::kMaxBlockBytes));
    auto block = ledger::Block::decode(enc);
    if (!block) throw DecodeError("block " + std::to_string(i) + ": " + block.error());
    CertifiedBlock cb{std::move(*block), ledger::CommitCertificate::decode(r)};
    out.blocks.push_back(std::move(cb));
  }
  return out;
}

// Each transaction exactly as a tx frame carries it, so its own cap holds
// here too; the frame cap bounds them together.
void encode_txs(Writer& w, const TxsMessage& t) {
  if (t.txs.empty() || t.txs.size() > kMaxTxsPerFrame)
    throw std::length_error("a txs frame carries 1.." + std::to_string(kMaxTxsPerFrame) + " transactions, not " +
                            std::to_string(t.txs.size()));
  w.count(t.txs.size());
  for (const auto& tx : t.txs) {
    const size_t before = w.data().size();
    tx.encode(w);
    if (w.data().size() - before > ledger::kMaxTxBytes)
      throw std::length_error("a transaction of a txs frame exceeds " + std::to_string(ledger::kMaxTxBytes) + " bytes");
  }
  if (w.data().size() > kMaxTxsFrameBytes)
    throw std::length_error("a txs frame exceeds " + std::to_string(kMaxTxsFrameBytes) + " bytes");
}

TxsMessage decode_txs(Reader& r) {
  TxsMessage out;
  const uint32_t n = r.count(kMaxTxsPerFrame);
  if (n == 0) throw DecodeError("no transactions (a txs frame carries at least one)");
  out.txs.reserve(n);
  for (uint32_t i = 0; i < n; ++i) {
    const size_t start = r.pos();
    try {
      out.txs.push_back(ledger::Transaction::decode(r));
    } catch (const DecodeError& e) {
      throw DecodeError("transaction " + std::to_string(i) + ": " + e.what());
    }
    if (r.pos() - start > ledger::kMaxTxBytes)
      throw DecodeError("transaction " + std::to_string(i) + " is " + std::to_string(r.pos() - start) +
                        " bytes; the cap is " + std::to_string(ledger::kMaxTxBytes));
  }
  return out;
}

GetBlocks decode_get_blocks(Reader& r) {
  GetBlocks g;
  g.from = r.u64();
  g.count = r.u32();
  if (g.from == 0) throw DecodeError("first height 0: heights start at 1");
  if (g.count == 0 || g.count > kMaxBlocksPerRequest)
    throw DecodeError("count " + std::to_string(g.count) + " is not in 1.." + std::to_string(kMaxBlocksPerRequest));
  return g;
}

SnapshotOffer decode_snapshot_offer(Reader& r) {
  SnapshotOffer o;
  if (r.boolean()) o.anchor = ledger::SnapshotAnchor::decode(r);
  return o;
}

Chunk decode_chunk(Reader& r) {
  Chunk c;
  c.height = r.u64();
  c.index = r.u32();
  if (r.boolean()) {
    c.chunk = ledger::SnapshotChunk::decode(r);
    if (c.chunk->index != c.index)
      throw DecodeError("chunk " + std::to_string(c.index) + " carries chunk " + std::to_string(c.chunk->index));
  }
  return c;
}

std::string kind_prefix(Tag t) { return "p2p " + std::string(tag_name(t)) + " frame"; }

}  // namespace

Bytes auth_sign_bytes(const std::string& chain_id, const crypto::Hash32& genesis_hash, const Nonce& nonce,
                      const crypto::PublicKey& signer) {
  Writer w;
  w.u8(static_cast<uint8_t>(tags::kP2pAuth.size())).raw(as_bytes(tags::kP2pAuth));
  w.str(chain_id).fixed(genesis_hash.b).fixed(nonce).fixed(signer.b);
  return w.take();
}

Tag tag_of(const P2pMessage& m) {
  static constexpr Tag kByIndex[] = {Tag::hello,  Tag::hello_auth, Tag::tx,           Tag::consensus,
                                     Tag::status, Tag::get_blocks, Tag::blocks,       Tag::txs,
                                     Tag::get_snapshot, Tag::snapshot, Tag::get_chunk, Tag::chunk};
  static_assert(std::size(kByIndex) == std::variant_size_v<P2pMessage>);
  return kByIndex[m.index()];
}

std::string_view tag_name(Tag t) {
  switch (t) {
    case Tag::hello: return "hello";
    case Tag::hello_auth: return "hello_auth";
    case Tag::tx: return "tx";
    case Tag::consensus: return "consensus";
    case Tag::status: return "status";
    case Tag::get_blocks: return "get_blocks";
    case Tag::blocks: return "blocks";
    case Tag::txs: return "txs";
    case Tag::get_snapshot: return "get_snapshot";
    case Tag::snapshot: return "snapshot";
    case Tag::get_chunk: return "get_chunk";
    case Tag::chunk: return "chunk";
  }
  return "unknown";
}

size_t max_frame_bytes(Tag t) {
  switch (t) {
    case Tag::hello:
    case Tag::hello_auth: return kMaxHandshakeFrameBytes;
    case Tag::tx: return kMaxTxFrameBytes;
    case Tag::consensus: return kMaxConsensusFrameBytes;
    case Tag::status:
    case Tag::get_blocks:
    case Tag::get_snapshot:
    case Tag::get_chunk: return kMaxSmallFrameBytes;
    case Tag::snapshot: return kMaxSnapshotFrameBytes;
    case Tag::chunk: return kMaxChunkFrameBytes;
    case Tag::blocks: return kMaxBlocksFrameBytes;
    case Tag::txs: return kMaxTxsFrameBytes;
  }
  return 0;
}

Bytes encode(const P2pMessage& m) {
  Writer w;
  w.u8(kP2pVersion).u8(static_cast<uint8_t>(tag_of(m)));
  std::visit(
      [&](const auto& x) {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, Hello>) {
          encode_hello(w, x);
        } else if constexpr (std::is_same_v<T, HelloAuth>) {
          w.fixed(x.sig.b);
        } else if constexpr (std::is_same_v<T, TxMessage>) {
          x.tx.encode(w);
        } else if constexpr (std::is_same_v<T, ConsensusMessage>) {
          w.raw(consensus::encode_message(x.msg));
        } else if constexpr (std::is_same_v<T, StatusMessage>) {
          w.u64(x.height).fixed(x.tip_hash.b);
        } else if constexpr (std::is_same_v<T, GetBlocks>) {
          w.u64(x.from).u32(x.count);
        } else if constexpr (std::is_same_v<T, TxsMessage>) {
          encode_txs(w, x);
        } else if constexpr (std::is_same_v<T, GetSnapshot>) {
        } else if constexpr (std::is_same_v<T, SnapshotOffer>) {
          w.boolean(x.anchor.has_value());
          if (x.anchor) x.anchor->encode(w);
        } else if constexpr (std::is_same_v<T, GetChunk>) {
          w.u64(x.height).u32(x.index);
        } else if constexpr (std::is_same_v<T, Chunk>) {
          w.u64(x.height).u32(x.index).boolean(x.chunk.has_value());
          if (x.chunk) x.chunk->encode(w);
        } else {
          static_assert(std::is_same_v<T, Blocks>);
          encode_blocks(w, x);
        }
      },
      m);
  return w.take();
}

Result<P2pMessage> decode(ByteView frame) {
  if (frame.size() < 2)
    return fail("p2p frame of " + std::to_string(frame.size()) + " bytes is too short for version and tag");
  // The size first: the kind's own cap when the tag byte names one.
  if (known_tag(frame[1]) && frame.size() > max_frame_bytes(static_cast<Tag>(frame[1])))
    return fail(kind_prefix(static_cast<Tag>(frame[1])) + " of " + std::to_string(frame.size()) +
                " bytes exceeds the cap of " + std::to_string(max_frame_bytes(static_cast<Tag>(frame[1]))));
  if (frame.size() > kMaxFrameBytes)
    return fail("p2p frame of " + std::to_string(frame.size()) + " bytes exceeds the largest cap of " +
                std::to_string(kMaxFrameBytes));
  if (frame[0] != kP2pVersion) return fail("p2p frame: unsupported version " + std::to_string(frame[0]));
  if (!known_tag(frame[1])) return fail("p2p frame: unknown tag " + std::to_string(frame[1]));
  const Tag tag = static_cast<Tag>(frame[1]);
  const std::string what = kind_prefix(tag);
  const ByteView body = frame.subspan(2);

  // Kinds whose body is another layer's encoding go through that layer's
  // own strict decoder, which checks its own caps and trailing bytes.
  if (tag == Tag::tx) {
    auto tx = ledger::Transaction::decode(body);
    if (!tx) return fail(what + ": " + tx.error());
    return P2pMessage{TxMessage{std::move(*tx)}};
  }
  if (tag == Tag::consensus) {
    auto msg = consensus::decode_message(body);
    if (!msg) return fail(what + ": " + msg.error());
    return P2pMessage{ConsensusMessage{std::move(*msg)}};
  }
  return ledger::decode_all<P2pMessage>(body, what, [tag](Reader& r) -> P2pMessage {
    switch (tag) {
      case Tag::hello: return decode_hello(r);
      case Tag::hello_auth: {
        HelloAuth a;
        a.sig.b = r.fixed<64>();
        return a;
      }
      case Tag::status: {
        StatusMessage s;
        s.height = r.u64();
        s.tip_hash.b = r.fixed<32>();
        return s;
      }
      case Tag::get_blocks: return decode_get_blocks(r);
      case Tag::blocks: return decode_blocks(r);
      case Tag::txs: return decode_txs(r);
      case Tag::get_snapshot: return GetSnapshot{};
      case Tag::snapshot: return decode_snapshot_offer(r);
      case Tag::get_chunk: {
        GetChunk g;
        g.height = r.u64();
        g.index = r.u32();
        return g;
      }
      case Tag::chunk: return decode_chunk(r);
      case Tag::tx:
      case Tag::consensus: break;  // handled above
    }
    throw DecodeError("unhandled tag");
  });
}

}  // namespace nl::node::p2p
