#include "ledger/state_tree_nodes.h"

#include <stdexcept>
#include <string>

#include "ledger/canonical.h"
#include "ledger/state_tree_hashes.h"

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

// A reference whose kind byte has been read already.
ChildRef get_ref(Reader& r, uint8_t kind) {
  ChildRef c;
  if (kind > ChildRef::leaf) throw DecodeError("unknown child kind " + std::to_string(kind));
  c.kind = static_cast<ChildRef::Kind>(kind);
  if (c.kind == ChildRef::none) return c;
  c.hash.b = r.fixed<32>();
  if (c.hash.is_zero()) throw DecodeError("a child with a zero hash");
  if (c.kind == ChildRef::leaf) c.key_hash.b = r.fixed<32>();
  return c;
}

ChildRef get_ref(Reader& r) { return get_ref(r, r.u8()); }

// A node of a group at relative depth `rel`: an inner node above the
// group's bottom is expanded, at the bottom it is a reference.
void put_group_node(Writer& w, const std::vector<ChildRef>& nodes, size_t& i, unsigned rel) {
  if (i >= nodes.size()) throw std::logic_error("a group record with too few nodes");
  const ChildRef& c = nodes[i++];
  if (c.kind != ChildRef::inner || rel == kGroupLevels) return put_ref(w, c);
  w.u8(ChildRef::inner);
  put_group_node(w, nodes, i, rel + 1);
  put_group_node(w, nodes, i, rel + 1);
}

// Reads the node at relative depth `rel` (absolute `depth`) into `out`,
// an expanded inner node's hash computed from its children.
void get_group_node(Reader& r, std::vector<ChildRef>& out, unsigned rel, unsigned depth) {
  const uint8_t kind = r.u8();
  if (kind == ChildRef::inner && depth >= kMaxDepth) throw DecodeError("an inner node below the last key bit");
  if (kind != ChildRef::inner && rel == 0) throw DecodeError("a group whose top is not an inner node");
  if (kind != ChildRef::inner || rel == kGroupLevels) {
    out.push_back(get_ref(r, kind));
    return;
  }
  const size_t at = out.size();
  out.push_back({ChildRef::inner, {}, {}});
  const size_t left = out.size();
  get_group_node(r, out, rel + 1, depth + 1);
  const size_t right = out.size();
  get_group_node(r, out, rel + 1, depth + 1);
  const ChildRef& a = out[left];
  const ChildRef& b = out[right];
  if (a.kind == ChildRef::none && b.kind == ChildRef::none) throw DecodeError("an inner node without children");
  if ((a.kind == ChildRef::leaf && b.kind == ChildRef::none) || (a.kind == ChildRef::none && b.kind == ChildRef::leaf))
    throw DecodeError("a leaf beside an empty sibling");
  out[at].hash = inner_hash(a.hash, b.hash);
}

}  // namespace

Bytes GroupRecord::encode() const {
  Writer w;
  size_t i = 0;
  put_group_node(w, nodes, i, 0);
  if (i != nodes.size()) throw std::logic_error("a group record with nodes past its bottom");
  return w.take();
}

Result<GroupRecord> GroupRecord::decode(ByteView bytes, unsigned depth) {
  return decode_all<GroupRecord>(bytes, "state tree group", [depth](Reader& r) {
    if (!is_group_depth(depth) || depth >= kMaxDepth) throw DecodeError("a group at depth " + std::to_string(depth));
    GroupRecord rec;
    get_group_node(r, rec.nodes, 0, depth);
    return rec;
  });
}

Bytes RootRecord::encode() const {
  Writer w;
  w.u8(kFormat);
  put_ref(w, root);
  w.u64(size);
  return w.take();
}

Result<std::optional<RootRecord>> RootRecord::decode(ByteView bytes) {
  if (!bytes.empty() && bytes[0] <= ChildRef::leaf) return std::optional<RootRecord>();  // the earlier format
  auto rec = decode_all<RootRecord>(bytes, "state tree root", [](Reader& r) {
    if (const uint8_t f = r.u8(); f != kFormat) throw DecodeError("unknown state tree format " + std::to_string(f));
    RootRecord rec;
    rec.root = get_ref(r);
    rec.size = r.u64();
    if ((rec.root.kind == ChildRef::none) != (rec.size == 0))
      throw DecodeError("the root and the entry count disagree");
    return rec;
  });
  if (!rec) return rec.take_error();
  return std::optional<RootRecord>(std::move(*rec));
}

}  // namespace nl::ledger::state_tree
