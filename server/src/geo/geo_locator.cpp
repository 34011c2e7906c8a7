#include "geo/geo_locator.h"

#include <maxminddb.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cstring>
#include <ctime>
#include <stdexcept>

namespace vigil::geo {

struct GeoLocator::Database {
  std::string path;
  MMDB_s mmdb{};
  bool is_open = false;
  ~Database() {
    if (is_open) MMDB_close(&mmdb);
  }
};

namespace {

// Reads a string at `path` (a NULL-terminated list of keys/indexes) under `entry`; empty if the
// record has no such string.
template <typename... Keys>
std::string StringAt(MMDB_entry_s& entry, Keys... keys) {
  MMDB_entry_data_s data;
  if (MMDB_get_value(&entry, &data, keys..., nullptr) != MMDB_SUCCESS || !data.has_data ||
      data.type != MMDB_DATA_TYPE_UTF8_STRING)
    return {};
  return std::string(data.utf8_string, data.data_size);
}

template <typename... Keys>
uint32_t UintAt(MMDB_entry_s& entry, Keys... keys) {
  MMDB_entry_data_s data;
  if (MMDB_get_value(&entry, &data, keys..., nullptr) != MMDB_SUCCESS || !data.has_data) return 0;
  switch (data.type) {
    case MMDB_DATA_TYPE_UINT16: return data.uint16;
    case MMDB_DATA_TYPE_UINT32: return data.uint32;
    case MMDB_DATA_TYPE_UINT64: return static_cast<uint32_t>(data.uint64);
    default: return 0;
  }
}

void ReadLocation(MMDB_entry_s& entry, GeoLocation& out) {
  // MaxMind layout first; ip-location-db's flat fields otherwise.
  out.country_code = StringAt(entry, "country", "iso_code");
  if (out.country_code.empty()) out.country_code = StringAt(entry, "country_code");
  out.region_code = StringAt(entry, "subdivisions", "0", "iso_code");
  out.region_name = StringAt(entry, "subdivisions", "0", "names", "en");
  if (out.region_name.empty()) out.region_name = StringAt(entry, "state1");
  out.city = StringAt(entry, "city", "names", "en");
  if (out.city.empty()) out.city = StringAt(entry, "city");  // a plain string in ip-location-db
  // GeoIP2 Enterprise carries network data in the city record.
  if (uint32_t asn = UintAt(entry, "traits", "autonomous_system_number")) out.asn = asn;
  if (out.as_organization.empty()) out.as_organization = StringAt(entry, "traits", "autonomous_system_organization");
  if (out.isp.empty()) out.isp = StringAt(entry, "traits", "isp");
}

void ReadNetwork(MMDB_entry_s& entry, GeoLocation& out) {
  if (uint32_t asn = UintAt(entry, "autonomous_system_number")) out.asn = asn;
  std::string organization = StringAt(entry, "autonomous_system_organization");
  if (organization.empty()) organization = StringAt(entry, "organization");  // GeoIP2-ISP
  if (!organization.empty()) out.as_organization = std::move(organization);
  std::string isp = StringAt(entry, "isp");
  if (!isp.empty()) out.isp = std::move(isp);
}

enum class Found { kYes, kNo, kNotApplicable, kError };

Found LookupIn(const MMDB_s& mmdb, const IpAddress& address, MMDB_entry_s& entry) {
  if (!address.is_v4() && mmdb.metadata.ip_version == 4) return Found::kNotApplicable;
  sockaddr_storage storage{};
  if (address.is_v4()) {
    auto* v4 = reinterpret_cast<sockaddr_in*>(&storage);
    v4->sin_family = AF_INET;
    std::memcpy(&v4->sin_addr, address.bytes().data(), 4);
  } else {
    auto* v6 = reinterpret_cast<sockaddr_in6*>(&storage);
    v6->sin6_family = AF_INET6;
    std::memcpy(&v6->sin6_addr, address.bytes().data(), 16);
  }
  int mmdb_error = MMDB_SUCCESS;
  MMDB_lookup_result_s result =
      MMDB_lookup_sockaddr(&mmdb, reinterpret_cast<const sockaddr*>(&storage), &mmdb_error);
  if (mmdb_error == MMDB_IPV6_LOOKUP_IN_IPV4_DATABASE_ERROR) return Found::kNotApplicable;
  if (mmdb_error != MMDB_SUCCESS) return Found::kError;
  if (!result.found_entry) return Found::kNo;
  entry = result.entry;
  return Found::kYes;
}

}  // namespace

GeoLocator::~GeoLocator() = default;

std::unique_ptr<GeoLocator::Database> GeoLocator::OpenDatabase(const std::string& path) {
  auto db = std::make_unique<Database>();
  db->path = path;
  int status = MMDB_open(path.c_str(), MMDB_MODE_MMAP, &db->mmdb);
  if (status != MMDB_SUCCESS)
    throw std::runtime_error("cannot open geo database " + path + ": " + MMDB_strerror(status));
  db->is_open = true;
  return db;
}

std::unique_ptr<GeoLocator> GeoLocator::Open(const GeoDatabasePaths& paths) {
  std::unique_ptr<GeoLocator> locator(new GeoLocator());
  for (const std::string& path : paths.city) locator->city_.push_back(OpenDatabase(path));
  if (!paths.asn.empty()) locator->asn_ = OpenDatabase(paths.asn);
  return locator;
}

GeoLookupStatus GeoLocator::Lookup(const IpAddress& address, GeoLocation& out) const {
  out = GeoLocation{};
  bool found = false, error = false;
  MMDB_entry_s entry;
  for (const auto& db : city_) {
    Found f = LookupIn(db->mmdb, address, entry);
    if (f == Found::kYes) {
      ReadLocation(entry, out);
      found = true;
      break;
    }
    error |= f == Found::kError;
  }
  if (asn_) {
    Found f = LookupIn(asn_->mmdb, address, entry);
    if (f == Found::kYes) {
      ReadNetwork(entry, out);
      found = true;
    }
    error |= f == Found::kError;
  }
  if (found) return GeoLookupStatus::kFound;
  return error ? GeoLookupStatus::kDatabaseError : GeoLookupStatus::kNotFound;
}

GeoLookupStatus GeoLocator::Lookup(std::string_view address_text, GeoLocation& out) const {
  std::optional<IpAddress> address = IpAddress::Parse(address_text);
  if (!address) {
    out = GeoLocation{};
    return GeoLookupStatus::kMalformedAddress;
  }
  return Lookup(*address, out);
}

GeoLookupStatus GeoLocator::Lookup(const sockaddr* address, GeoLocation& out) const {
  std::optional<IpAddress> parsed = IpAddress::FromSockaddr(address);
  if (!parsed) {
    out = GeoLocation{};
    return GeoLookupStatus::kMalformedAddress;
  }
  return Lookup(*parsed, out);
}

std::vector<std::string> GeoLocator::Describe() const {
  std::vector<std::string> out;
  auto describe = [&](const Database& db) {
    char date[32] = "unknown date";
    time_t epoch = static_cast<time_t>(db.mmdb.metadata.build_epoch);
    tm utc{};
    if (gmtime_r(&epoch, &utc)) strftime(date, sizeof(date), "%Y-%m-%d", &utc);
    out.push_back(db.path + ": " + (db.mmdb.metadata.database_type ? db.mmdb.metadata.database_type : "?") +
                  ", IPv" + std::to_string(db.mmdb.metadata.ip_version) + ", built " + date);
  };
  for (const auto& db : city_) describe(*db);
  if (asn_) describe(*asn_);
  return out;
}

}  // namespace vigil::geo
