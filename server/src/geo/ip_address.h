// IP addresses and CIDR networks as values: parsing, printing, containment, anonymization.
// Plain value types; thread-safe as values are.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

struct sockaddr;

namespace vigil::geo {

class IpAddress {
 public:
  // Parses dotted IPv4 ("203.0.113.7") or IPv6 ("2001:db8::1", "::ffff:203.0.113.7").
  // IPv4-mapped IPv6 addresses become plain IPv4, so each host has one representation.
  // A zone ("fe80::1%eth0"), brackets, ports or surrounding spaces are not accepted here.
  static std::optional<IpAddress> Parse(std::string_view text);
  // AF_INET / AF_INET6 socket addresses (IPv4-mapped ones unmapped as above).
  static std::optional<IpAddress> FromSockaddr(const sockaddr* address);

  bool is_v4() const { return is_v4_; }
  // 4 significant bytes for IPv4 (the rest zero), 16 for IPv6; network byte order.
  const std::array<uint8_t, 16>& bytes() const { return bytes_; }
  int bit_length() const { return is_v4_ ? 32 : 128; }

  std::string ToString() const;
  // Keeps the first `prefix_bits` bits and zeroes the rest.
  IpAddress Masked(int prefix_bits) const;

  friend bool operator==(const IpAddress&, const IpAddress&) = default;

 private:
  bool is_v4_ = true;
  std::array<uint8_t, 16> bytes_{};
};

class IpNetwork {
 public:
  // "10.0.0.0/8", "2001:db8::/32", or a bare address (a /32 or /128). Host bits must be zero
  // ("10.0.0.1/8" is rejected: it is almost always a typo in a trust list).
  static std::optional<IpNetwork> Parse(std::string_view cidr);

  // False across families: an IPv4 network never contains an IPv6 address (IPv4-mapped
  // addresses were already unmapped by IpAddress).
  bool Contains(const IpAddress& address) const;
  std::string ToString() const;

 private:
  IpAddress base_;
  int prefix_bits_ = 0;
};

}  // namespace vigil::geo
