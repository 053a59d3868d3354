#include "ledger/canonical.h"

namespace nl::ledger {

Writer& Writer::u8(uint8_t v) {
  out_.push_back(v);
  return *this;
}
Writer& Writer::u16(uint16_t v) { return u8(v >> 8).u8(v & 0xff); }
Writer& Writer::u32(uint32_t v) { return u16(v >> 16).u16(v & 0xffff); }
Writer& Writer::u64(uint64_t v) { return u32(v >> 32).u32(v & 0xffffffffu); }
Writer& Writer::u128v(u128 v) { return u64(static_cast<uint64_t>(v >> 64)).u64(static_cast<uint64_t>(v)); }
Writer& Writer::raw(ByteView b) {
  out_.insert(out_.end(), b.begin(), b.end());
  return *this;
}
Writer& Writer::bytes(ByteView b) {
  if (b.size() > kMaxFieldBytes) throw std::length_error("field exceeds canonical size cap");
  u32(static_cast<uint32_t>(b.size()));
  return raw(b);
}
Writer& Writer::count(size_t n) {
  if (n > kMaxSequence) throw std::length_error("sequence exceeds canonical count cap");
  return u32(static_cast<uint32_t>(n));
}

void Reader::need(size_t n) const {
  if (in_.size() - pos_ < n)
    throw DecodeError("truncated at byte " + std::to_string(pos_) + " (need " + std::to_string(n) +
                      " more)");
}
uint8_t Reader::u8() {
  need(1);
  return in_[pos_++];
}
uint16_t Reader::u16() {
  uint16_t hi = u8();
  return static_cast<uint16_t>(hi << 8 | u8());
}
uint32_t Reader::u32() {
  uint32_t hi = u16();
  return hi << 16 | u16();
}
uint64_t Reader::u64() {
  uint64_t hi = u32();
  return hi << 32 | u32();
}
u128 Reader::u128v() {
  u128 hi = u64();
  return hi << 64 | u64();
}
bool Reader::boolean() {
  uint8_t v = u8();
  if (v > 1) throw DecodeError("boolean byte " + std::to_string(v) + " is not 0 or 1");
  return v == 1;
}
Bytes Reader::bytes(uint32_t max) {
  uint32_t n = u32();
  if (n > max) throw DecodeError("length " + std::to_string(n) + " exceeds cap " + std::to_string(max));
  need(n);
  Bytes b(in_.begin() + pos_, in_.begin() + pos_ + n);
  pos_ += n;
  return b;
}
std::string Reader::str(uint32_t max) {
  Bytes b = bytes(max);
  return std::string(b.begin(), b.end());
}
uint32_t Reader::count(uint32_t max) {
  uint32_t n = u32();
  if (n > max) throw DecodeError("count " + std::to_string(n) + " exceeds cap " + std::to_string(max));
  return n;
}
void Reader::expect_done() const {
  if (!done())
    throw DecodeError(std::to_string(in_.size() - pos_) + " trailing bytes after byte " +
                      std::to_string(pos_));
}

}  // namespace nl::ledger
