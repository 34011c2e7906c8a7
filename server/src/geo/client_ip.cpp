#include "geo/client_ip.h"

namespace vigil::geo {
namespace {

std::string_view TrimSpaces(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// One X-Forwarded-For element: an address, optionally with a port ("1.2.3.4:80") or in
// brackets with or without a port ("[2001:db8::1]:443").
std::optional<IpAddress> ParseForwardedElement(std::string_view element) {
  if (element.empty()) return std::nullopt;
  if (element.front() == '[') {
    size_t close = element.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    std::string_view rest = element.substr(close + 1);
    if (!rest.empty() && rest.front() != ':') return std::nullopt;
    return IpAddress::Parse(element.substr(1, close - 1));
  }
  size_t colon = element.find(':');
  if (colon != std::string_view::npos && element.find(':', colon + 1) == std::string_view::npos) {
    element = element.substr(0, colon);  // exactly one colon: IPv4 with a port
  }
  return IpAddress::Parse(element);
}

}  // namespace

std::optional<TrustedProxies> TrustedProxies::Parse(const std::vector<std::string>& cidrs,
                                                    std::string* error) {
  TrustedProxies out;
  for (const std::string& cidr : cidrs) {
    std::optional<IpNetwork> network = IpNetwork::Parse(TrimSpaces(cidr));
    if (!network) {
      if (error) *error = "invalid trusted proxy network: '" + cidr + "'";
      return std::nullopt;
    }
    out.networks_.push_back(*network);
  }
  return out;
}

bool TrustedProxies::Contains(const IpAddress& address) const {
  for (const IpNetwork& network : networks_)
    if (network.Contains(address)) return true;
  return false;
}

IpAddress ResolveClientIp(const IpAddress& peer, std::optional<std::string_view> x_forwarded_for,
                          std::optional<std::string_view> x_real_ip, const TrustedProxies& trusted) {
  if (!trusted.Contains(peer)) return peer;

  if (x_forwarded_for) {
    std::string_view list = *x_forwarded_for;
    IpAddress last_good = peer;
    bool saw_entry = false;
    while (!list.empty()) {
      size_t comma = list.rfind(',');
      std::string_view element = TrimSpaces(comma == std::string_view::npos ? list : list.substr(comma + 1));
      list = comma == std::string_view::npos ? std::string_view() : list.substr(0, comma);
      if (element.empty()) continue;
      std::optional<IpAddress> address = ParseForwardedElement(element);
      if (!address) return last_good;
      saw_entry = true;
      if (!trusted.Contains(*address)) return *address;
      last_good = *address;
    }
    if (saw_entry) return last_good;  // every hop was one of ours: the left-most is the origin
  }

  if (x_real_ip) {
    if (std::optional<IpAddress> real = ParseForwardedElement(TrimSpaces(*x_real_ip))) return *real;
  }
  return peer;
}

std::optional<IpStoragePolicy> ParseIpStoragePolicy(std::string_view name) {
  if (name == "drop") return IpStoragePolicy::kDrop;
  if (name == "anonymize") return IpStoragePolicy::kAnonymize;
  if (name == "keep") return IpStoragePolicy::kKeep;
  return std::nullopt;
}

std::optional<std::string> ApplyIpStoragePolicy(const IpAddress& address, IpStoragePolicy policy) {
  switch (policy) {
    case IpStoragePolicy::kDrop:
      return std::nullopt;
    case IpStoragePolicy::kAnonymize:
      return address.Masked(address.is_v4() ? 24 : 48).ToString();
    case IpStoragePolicy::kKeep:
      return address.ToString();
  }
  return std::nullopt;
}

}  // namespace vigil::geo
