// Varint (LEB128) and fixed-width helpers for the rollup sketches' binary encodings. Readers are
// bounds-checked and report failure instead of reading past the end: they decode untrusted bytes
// (a corrupt or hand-edited rollups.db).
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace vigil::rollup_codec {

inline void PutVarint(std::string* out, uint64_t v) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>((v & 0x7F) | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}

// Writes `v` at `p` (room for 10 bytes needed) and returns the end: for hot loops that size the
// output once instead of growing a string byte by byte.
inline char* PutVarintRaw(char* p, uint64_t v) {
  while (v >= 0x80) {
    *p++ = static_cast<char>((v & 0x7F) | 0x80);
    v >>= 7;
  }
  *p++ = static_cast<char>(v);
  return p;
}

inline uint64_t ZigZag(int64_t v) { return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63); }
inline int64_t UnZigZag(uint64_t v) { return static_cast<int64_t>(v >> 1) ^ -static_cast<int64_t>(v & 1); }

inline void PutDouble(std::string* out, double d) {
  char b[8];
  std::memcpy(b, &d, 8);  // little-endian hosts only (Debian amd64/arm64)
  out->append(b, 8);
}

// A cursor over untrusted bytes. Every getter returns false (and leaves the cursor unusable) when
// the input ends early or is malformed.
class Reader {
 public:
  explicit Reader(std::string_view in) : p_(in.data()), end_(in.data() + in.size()) {}
  bool Byte(uint8_t* out) {
    if (p_ == end_) return false;
    *out = static_cast<uint8_t>(*p_++);
    return true;
  }
  bool Varint(uint64_t* out) {
    uint64_t v = 0;
    if (end_ - p_ >= 10) {  // fast path: no end check per byte
      for (int shift = 0; shift < 64; shift += 7) {
        uint8_t b = static_cast<uint8_t>(*p_++);
        if (shift == 63 && b > 1) return false;
        v |= static_cast<uint64_t>(b & 0x7F) << shift;
        if (!(b & 0x80)) {
          *out = v;
          return true;
        }
      }
      return false;
    }
    for (int shift = 0; shift < 64; shift += 7) {
      if (p_ == end_) return false;
      uint8_t b = static_cast<uint8_t>(*p_++);
      if (shift == 63 && b > 1) return false;  // more than 64 bits
      v |= static_cast<uint64_t>(b & 0x7F) << shift;
      if (!(b & 0x80)) {
        *out = v;
        return true;
      }
    }
    return false;
  }
  bool Double(double* out) {
    if (end_ - p_ < 8) return false;
    std::memcpy(out, p_, 8);
    p_ += 8;
    return true;
  }
  bool Bytes(size_t n, std::string_view* out) {
    if (static_cast<size_t>(end_ - p_) < n) return false;
    *out = std::string_view(p_, n);
    p_ += n;
    return true;
  }
  size_t remaining() const { return static_cast<size_t>(end_ - p_); }
  bool done() const { return p_ == end_; }

 private:
  const char* p_;
  const char* end_;
};

}  // namespace vigil::rollup_codec
