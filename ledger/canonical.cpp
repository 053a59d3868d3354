#include "ledger/canonical.h"

#include <array>

namespace nl::ledger {

namespace {
// Big-endian, appended in one insert: encoders run for every hash and
// every state write, so byte-at-a-time appends showed up in profiles.
template <size_t N, class T>
void put_be(Bytes& out, T v) {
  std::array<uint8_t, N> b;
  for (size_t i = 0; i < N; ++i) b[N - 1 - i] = static_cast<uint8_t>(v >> (8 * i));
  out.insert(out.end(), b.begin(), b.end());
}
}  // namespace

Writer& Writer::u8(uint8_t v) {
  out_.push_back(v);
  return *this;
}
Writer& Writer::u16(uint16_t v) {
  put_be<2>(out_, v);
  return *this;
}
Writer& Writer::u32(uint32_t v) {
  put_be<4>(out_, v);
  return *this;
}
Writer& Writer::u64(uint64_t v) {
  put_be<8>(out_, v);
  return *this;
}
Writer& Writer::u128v(u128 v) {
  put_be<16>(out_, v);
  return *this;
}
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
