// Minimal MaxMind DB (.mmdb) writer for test fixtures, written from the published format spec
// (MaxMind DB File Format Specification 2.0): a binary search tree over address bits, a 16-byte
// separator, a data section, then "\xAB\xCD\xEFMaxMind.com" and a metadata map. Supports the
// types the geo fixtures need (utf8_string, double, uint16, uint32, uint64, map, array) and
// 24-bit records. Not for production: no pointer/deduplication, no merging of adjacent networks.
#pragma once

#include <cstdint>
#include <cstring>
#include <fstream>
#include <map>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "geo/ip_address.h"

namespace vigil::testing {

// A data-section value.
struct MmdbValue {
  enum class Kind { kString, kDouble, kUint16, kUint32, kUint64, kMap, kArray } kind = Kind::kString;
  std::string text;
  double number = 0;
  uint64_t integer = 0;
  std::vector<std::pair<std::string, MmdbValue>> entries;  // kMap
  std::vector<MmdbValue> items;                            // kArray

  static MmdbValue String(std::string s) { MmdbValue v; v.kind = Kind::kString; v.text = std::move(s); return v; }
  static MmdbValue Double(double d) { MmdbValue v; v.kind = Kind::kDouble; v.number = d; return v; }
  static MmdbValue Uint16(uint16_t n) { MmdbValue v; v.kind = Kind::kUint16; v.integer = n; return v; }
  static MmdbValue Uint32(uint32_t n) { MmdbValue v; v.kind = Kind::kUint32; v.integer = n; return v; }
  static MmdbValue Uint64(uint64_t n) { MmdbValue v; v.kind = Kind::kUint64; v.integer = n; return v; }
  static MmdbValue Map(std::vector<std::pair<std::string, MmdbValue>> e) { MmdbValue v; v.kind = Kind::kMap; v.entries = std::move(e); return v; }
  static MmdbValue Array(std::vector<MmdbValue> i) { MmdbValue v; v.kind = Kind::kArray; v.items = std::move(i); return v; }
};

class MmdbWriter {
 public:
  // ip_version 4: a 32-bit tree; 6: a 128-bit tree where IPv4 networks live under ::/96.
  MmdbWriter(int ip_version, std::string database_type)
      : ip_version_(ip_version), database_type_(std::move(database_type)) {
    nodes_.push_back(Node{});  // root
  }

  // Adds `value` for "address/prefix". Insert broader networks before narrower ones inside them.
  void Insert(const std::string& cidr, const MmdbValue& value) {
    size_t slash = cidr.find('/');
    auto address = geo::IpAddress::Parse(cidr.substr(0, slash));
    if (!address) throw std::runtime_error("bad fixture network " + cidr);
    int prefix = std::stoi(cidr.substr(slash + 1));
    std::vector<int> bits;
    if (ip_version_ == 6 && address->is_v4()) bits.assign(96, 0);  // IPv4 subtree at ::/96
    if (ip_version_ == 4 && !address->is_v4()) throw std::runtime_error("IPv6 network in IPv4 tree");
    for (int i = 0; i < prefix; ++i) bits.push_back((address->bytes()[i / 8] >> (7 - i % 8)) & 1);
    if (bits.empty()) throw std::runtime_error("prefix /0 not supported");

    uint32_t data_offset = static_cast<uint32_t>(data_.size());
    Encode(value, data_);
    int node = 0;
    for (size_t depth = 0; depth + 1 < bits.size(); ++depth) {
      int bit = bits[depth];
      if (nodes_[node].record[bit].kind != Record::kNode) {
        Record inherited = nodes_[node].record[bit];  // a broader network continues in both halves
        nodes_.push_back(Node{{inherited, inherited}});
        nodes_[node].record[bit] = Record{Record::kNode, static_cast<uint32_t>(nodes_.size() - 1)};
      }
      node = static_cast<int>(nodes_[node].record[bit].value);
    }
    nodes_[node].record[bits.back()] = Record{Record::kData, data_offset};
  }

  std::string Serialize() const {
    const uint32_t node_count = static_cast<uint32_t>(nodes_.size());
    std::string out;
    auto put24 = [&](uint32_t v) {
      if (v >= (1u << 24)) throw std::runtime_error("record does not fit 24 bits");
      out.push_back(static_cast<char>(v >> 16));
      out.push_back(static_cast<char>(v >> 8));
      out.push_back(static_cast<char>(v));
    };
    for (const Node& n : nodes_) {
      for (const Record& r : n.record) {
        switch (r.kind) {
          case Record::kEmpty: put24(node_count); break;
          case Record::kNode: put24(r.value); break;
          case Record::kData: put24(node_count + 16 + r.value); break;  // spec: offset + 16
        }
      }
    }
    out.append(16, '\0');  // data section separator
    out += data_;
    out += std::string("\xAB\xCD\xEFMaxMind.com");
    MmdbValue metadata = MmdbValue::Map({
        {"binary_format_major_version", MmdbValue::Uint16(2)},
        {"binary_format_minor_version", MmdbValue::Uint16(0)},
        {"build_epoch", MmdbValue::Uint64(1700000000)},
        {"database_type", MmdbValue::String(database_type_)},
        {"description", MmdbValue::Map({{"en", MmdbValue::String("Vigil test fixture")}})},
        {"ip_version", MmdbValue::Uint16(static_cast<uint16_t>(ip_version_))},
        {"languages", MmdbValue::Array({MmdbValue::String("en")})},
        {"node_count", MmdbValue::Uint32(node_count)},
        {"record_size", MmdbValue::Uint16(24)},
    });
    Encode(metadata, out);
    return out;
  }

  void WriteFile(const std::string& path) const {
    std::ofstream file(path, std::ios::binary | std::ios::trunc);
    std::string bytes = Serialize();
    file.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    if (!file) throw std::runtime_error("cannot write " + path);
  }

 private:
  struct Record {
    enum Kind { kEmpty, kNode, kData } kind = kEmpty;
    uint32_t value = 0;
  };
  struct Node {
    Record record[2];
  };

  // Control byte: 3 type bits + 5 size bits; types above 7 are "extended" (type bits 0, then a
  // byte holding type - 7). Sizes >= 29 spill into 1-3 following bytes.
  static void EncodeHeader(int type, size_t size, std::string& out) {
    uint8_t size_bits;
    std::string size_bytes;
    if (size < 29) {
      size_bits = static_cast<uint8_t>(size);
    } else if (size < 29 + 256) {
      size_bits = 29;
      size_bytes.push_back(static_cast<char>(size - 29));
    } else if (size < 285 + 65536) {
      size_bits = 30;
      size_t s = size - 285;
      size_bytes.push_back(static_cast<char>(s >> 8));
      size_bytes.push_back(static_cast<char>(s));
    } else {
      size_bits = 31;
      size_t s = size - 65821;
      size_bytes.push_back(static_cast<char>(s >> 16));
      size_bytes.push_back(static_cast<char>(s >> 8));
      size_bytes.push_back(static_cast<char>(s));
    }
    if (type <= 7) {
      out.push_back(static_cast<char>((type << 5) | size_bits));
    } else {
      out.push_back(static_cast<char>(size_bits));
      out.push_back(static_cast<char>(type - 7));
    }
    out += size_bytes;
  }

  static void EncodeUnsigned(int type, uint64_t n, std::string& out) {
    std::string bytes;
    while (n) {
      bytes.insert(bytes.begin(), static_cast<char>(n & 0xff));
      n >>= 8;
    }
    EncodeHeader(type, bytes.size(), out);
    out += bytes;
  }

  static void Encode(const MmdbValue& v, std::string& out) {
    switch (v.kind) {
      case MmdbValue::Kind::kString:
        EncodeHeader(2, v.text.size(), out);
        out += v.text;
        break;
      case MmdbValue::Kind::kDouble: {
        EncodeHeader(3, 8, out);
        uint64_t bits;
        std::memcpy(&bits, &v.number, 8);
        for (int i = 7; i >= 0; --i) out.push_back(static_cast<char>(bits >> (8 * i)));
        break;
      }
      case MmdbValue::Kind::kUint16: EncodeUnsigned(5, v.integer, out); break;
      case MmdbValue::Kind::kUint32: EncodeUnsigned(6, v.integer, out); break;
      case MmdbValue::Kind::kUint64: EncodeUnsigned(9, v.integer, out); break;
      case MmdbValue::Kind::kMap:
        EncodeHeader(7, v.entries.size(), out);
        for (const auto& [key, value] : v.entries) {
          Encode(MmdbValue::String(key), out);
          Encode(value, out);
        }
        break;
      case MmdbValue::Kind::kArray:
        EncodeHeader(11, v.items.size(), out);
        for (const MmdbValue& item : v.items) Encode(item, out);
        break;
    }
  }

  int ip_version_;
  std::string database_type_;
  std::vector<Node> nodes_;
  std::string data_;
};

}  // namespace vigil::testing
