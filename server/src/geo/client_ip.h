// Which address is the client's, and how much of it a project may store.
//
// Forwarding headers are only believed when the TCP peer is one of the operator's own proxies;
// otherwise any client could claim any address by sending X-Forwarded-For. Thread-safe: a
// TrustedProxies is immutable after Parse().
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "geo/ip_address.h"

namespace vigil::geo {

class TrustedProxies {
 public:
  // CIDRs such as {"10.0.0.0/8", "::1/128"}. On a malformed entry returns nullopt and, if
  // `error` is given, names the entry. An empty list trusts nobody (the default).
  static std::optional<TrustedProxies> Parse(const std::vector<std::string>& cidrs,
                                             std::string* error = nullptr);
  bool Contains(const IpAddress& address) const;
  bool empty() const { return networks_.empty(); }

 private:
  std::vector<IpNetwork> networks_;
};

// The client address for a request received from `peer`.
//  - peer not trusted: the peer itself, headers ignored.
//  - peer trusted and X-Forwarded-For present: walk the list right to left (each proxy appends
//    the address it received from) and return the first entry that is not a trusted proxy.
//    If every entry is trusted, the left-most one. Entries may carry ports ("1.2.3.4:80",
//    "[2001:db8::1]:443") and spaces; empty entries are skipped. A malformed entry ("unknown",
//    garbage) stops the walk: nothing left of it can be trusted, so the last good address seen
//    (a trusted proxy, or the peer) is returned.
//  - peer trusted, no usable X-Forwarded-For, X-Real-IP present and valid: X-Real-IP.
// Several X-Forwarded-For header lines must be joined with "," in arrival order by the caller.
IpAddress ResolveClientIp(const IpAddress& peer, std::optional<std::string_view> x_forwarded_for,
                          std::optional<std::string_view> x_real_ip, const TrustedProxies& trusted);

// How much of the client address a project keeps in its events (geo lookup always uses the
// full address before this is applied).
enum class IpStoragePolicy {
  kDrop,       // store nothing (default)
  kAnonymize,  // IPv4 /24, IPv6 /48: keeps network-level debugging, not the host
  kKeep,       // full address
};

// "drop" | "anonymize" | "keep"; nullopt otherwise.
std::optional<IpStoragePolicy> ParseIpStoragePolicy(std::string_view name);

// The text to store for `address` under `policy`; nullopt for kDrop.
std::optional<std::string> ApplyIpStoragePolicy(const IpAddress& address, IpStoragePolicy policy);

}  // namespace vigil::geo
