#include "ledger/state_tree_nodes.h"

#include <string>

#include "ledger/canonical.h"

namespace nl::ledger::state_tree {

using crypto::Hash32;

Bytes node_key(unsigned depth, const Hash32& path) {
  Bytes k;
  k.reserve(1 + (depth + 7) / 8);
  k.push_back(static_cast<uint8_t>(depth));
  for (unsigned i = 0; i < (depth + 7) / 8; ++i) {
    uint8_t b = path.b[i];
    if (const unsigned kept = depth - i * 8; kept < 8) b &= static_cast<uint8_t>(0xff00u >> kept);
    k.push_back(b);
  }
  return k;
}

Hash32 child_path(const Hash32& path, unsigned depth, unsigned bit) {
  Hash32 p = path;
  const uint8_t mask = static_cast<uint8_t>(0x80u >> (depth & 7));
  p.b[depth >> 3] = static_cast<uint8_t>((p.b[depth >> 3] & static_cast<uint8_t>(0xff00u >> (depth & 7))) |
                                         (bit ? mask : 0));
  for (unsigned i = (depth >> 3) + 1; i < p.b.size(); ++i) p.b[i] = 0;
  return p;
}

namespace {

void put_ref(Writer& w, const ChildRef& c) {
  w.u8(c.kind);
  if (c.kind == ChildRef::none) return;
  w.fixed(c.hash.b);
  if (c.kind == ChildRef::leaf) w.fixed(c.key_hash.b);
}

ChildRef get_ref(Reader& r) {
  ChildRef c;
  const uint8_t kind = r.u8();
  if (kind > ChildRef::leaf) throw DecodeError("unknown child kind " + std::to_string(kind));
  c.kind = static_cast<ChildRef::Kind>(kind);
  if (c.kind == ChildRef::none) return c;
  c.hash.b = r.fixed<32>();
  if (c.hash.is_zero()) throw DecodeError("a child with a zero hash");
  if (c.kind == ChildRef::leaf) c.key_hash.b = r.fixed<32>();
  return c;
}

}  // namespace

Bytes InnerRecord::encode() const {
  Writer w;
  put_ref(w, child[0]);
  put_ref(w, child[1]);
  return w.take();
}

Result<InnerRecord> InnerRecord::decode(ByteView bytes) {
  return decode_all<InnerRecord>(bytes, "state tree node", [](Reader& r) {
    InnerRecord rec;
    rec.child[0] = get_ref(r);
    rec.child[1] = get_ref(r);
    if (rec.child[0].kind == ChildRef::none && rec.child[1].kind == ChildRef::none)
      throw DecodeError("an inner node without children");
    return rec;
  });
}

Bytes RootRecord::encode() const {
  Writer w;
  put_ref(w, root);
  w.u64(size);
  return w.take();
}

Result<RootRecord> RootRecord::decode(ByteView bytes) {
  return decode_all<RootRecord>(bytes, "state tree root", [](Reader& r) {
    RootRecord rec;
    rec.root = get_ref(r);
    rec.size = r.u64();
    if ((rec.root.kind == ChildRef::none) != (rec.size == 0))
      throw DecodeError("the root and the entry count disagree");
    return rec;
  });
}

}  // namespace nl::ledger::state_tree
