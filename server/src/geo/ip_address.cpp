#include "geo/ip_address.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <cstring>

namespace vigil::geo {
namespace {

constexpr uint8_t kV4MappedPrefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

}  // namespace

std::optional<IpAddress> IpAddress::Parse(std::string_view text) {
  // inet_pton needs a NUL-terminated string; the longest IPv6 text form is 45 characters.
  char buffer[INET6_ADDRSTRLEN + 1];
  if (text.empty() || text.size() >= sizeof(buffer)) return std::nullopt;
  std::memcpy(buffer, text.data(), text.size());
  buffer[text.size()] = '\0';

  IpAddress out;
  if (text.find(':') == std::string_view::npos) {
    if (inet_pton(AF_INET, buffer, out.bytes_.data()) != 1) return std::nullopt;
    out.is_v4_ = true;
    return out;
  }
  if (inet_pton(AF_INET6, buffer, out.bytes_.data()) != 1) return std::nullopt;
  out.is_v4_ = false;
  if (std::memcmp(out.bytes_.data(), kV4MappedPrefix, sizeof(kV4MappedPrefix)) == 0) {
    std::memmove(out.bytes_.data(), out.bytes_.data() + 12, 4);
    std::memset(out.bytes_.data() + 4, 0, 12);
    out.is_v4_ = true;
  }
  return out;
}

std::optional<IpAddress> IpAddress::FromSockaddr(const sockaddr* address) {
  if (!address) return std::nullopt;
  IpAddress out;
  if (address->sa_family == AF_INET) {
    const auto* v4 = reinterpret_cast<const sockaddr_in*>(address);
    std::memcpy(out.bytes_.data(), &v4->sin_addr, 4);
    out.is_v4_ = true;
    return out;
  }
  if (address->sa_family == AF_INET6) {
    const auto* v6 = reinterpret_cast<const sockaddr_in6*>(address);
    std::memcpy(out.bytes_.data(), &v6->sin6_addr, 16);
    out.is_v4_ = false;
    if (std::memcmp(out.bytes_.data(), kV4MappedPrefix, sizeof(kV4MappedPrefix)) == 0) {
      std::memmove(out.bytes_.data(), out.bytes_.data() + 12, 4);
      std::memset(out.bytes_.data() + 4, 0, 12);
      out.is_v4_ = true;
    }
    return out;
  }
  return std::nullopt;
}

std::string IpAddress::ToString() const {
  char buffer[INET6_ADDRSTRLEN];
  inet_ntop(is_v4_ ? AF_INET : AF_INET6, bytes_.data(), buffer, sizeof(buffer));
  return buffer;
}

IpAddress IpAddress::Masked(int prefix_bits) const {
  IpAddress out = *this;
  for (int bit = std::max(0, prefix_bits); bit < bit_length(); ++bit)
    out.bytes_[bit / 8] &= static_cast<uint8_t>(~(0x80u >> (bit % 8)));
  return out;
}

std::optional<IpNetwork> IpNetwork::Parse(std::string_view cidr) {
  size_t slash = cidr.find('/');
  std::optional<IpAddress> base = IpAddress::Parse(cidr.substr(0, slash));
  if (!base) return std::nullopt;
  // "::ffff:10.0.0.0/104" was written against the mapped form; its prefix counts 96 extra bits.
  bool written_as_v6 = cidr.substr(0, slash).find(':') != std::string_view::npos;
  IpNetwork out;
  out.base_ = *base;
  out.prefix_bits_ = base->bit_length();
  if (slash != std::string_view::npos) {
    std::string_view digits = cidr.substr(slash + 1);
    if (digits.empty() || digits.size() > 3) return std::nullopt;
    int prefix = 0;
    for (char c : digits) {
      if (c < '0' || c > '9') return std::nullopt;
      prefix = prefix * 10 + (c - '0');
    }
    if (base->is_v4() && written_as_v6) {
      if (prefix < 96) return std::nullopt;
      prefix -= 96;
    }
    if (prefix > base->bit_length()) return std::nullopt;
    out.prefix_bits_ = prefix;
  }
  if (!(out.base_.Masked(out.prefix_bits_) == out.base_)) return std::nullopt;  // host bits set
  return out;
}

bool IpNetwork::Contains(const IpAddress& address) const {
  return address.is_v4() == base_.is_v4() && address.Masked(prefix_bits_) == base_;
}

std::string IpNetwork::ToString() const { return base_.ToString() + "/" + std::to_string(prefix_bits_); }

}  // namespace vigil::geo
