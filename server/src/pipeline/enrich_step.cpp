#include "pipeline/enrich_step.h"

#include "common/json_writer.h"
#include "geo/client_ip.h"

namespace vigil {

bool IsLegacyBrowser(const std::string& family, const std::string& major) {
  int v = major.empty() ? -1 : std::atoi(major.c_str());
  if (family == "IE" || family == "IE Mobile" || family == "Android") return true;
  if (v < 0) return false;
  if (family == "Chrome" || family == "Chrome Mobile" || family == "Chromium") return v < 70;
  if (family == "Firefox" || family == "Firefox Mobile") return v < 70;
  if (family == "Safari" || family == "Mobile Safari") return v < 12;
  if (family == "Opera") return v < 60;
  return false;
}

namespace {
std::string Version(const std::string& major, const std::string& minor) {
  if (major.empty()) return {};
  return minor.empty() ? major : major + "." + minor;
}

// Adds "client_ip": ip as the first member of the event's data object.
void PutClientIp(Event* e, const std::string& ip) {
  std::string member = "\"client_ip\":\"";
  AppendJsonEscaped(&member, ip);
  member += "\"";
  if (e->data.size() <= 2) e->data = "{" + member + "}";
  else e->data.insert(1, member + ",");
}
}  // namespace

void EnrichStep::Process(NormalizedBatch* batch) {
  if (batch->events.empty()) return;
  std::string browser, browser_version, os, os_version, device;
  if (ua_ && !batch->user_agent.empty()) {
    ua::ClientHints hints;
    for (const auto& [k, v] : batch->client_hints) {
      if (k == "sec-ch-ua") hints.sec_ch_ua = v;
      else if (k == "sec-ch-ua-full-version-list") hints.sec_ch_ua_full_version_list = v;
      else if (k == "sec-ch-ua-platform") hints.sec_ch_ua_platform = v;
      else if (k == "sec-ch-ua-platform-version") hints.sec_ch_ua_platform_version = v;
      else if (k == "sec-ch-ua-model") hints.sec_ch_ua_model = v;
      else if (k == "sec-ch-ua-mobile") hints.sec_ch_ua_mobile = v;
    }
    std::shared_ptr<const ua::UserAgent> parsed = ua_->Lookup(batch->user_agent, hints);
    if (parsed) {
      browser = parsed->browser.family;
      browser_version = Version(parsed->browser.major, parsed->browser.minor);
      os = parsed->os.family;
      os_version = Version(parsed->os.major, parsed->os.minor);
      device = parsed->device.family;
      batch->is_bot = parsed->is_bot;
      batch->is_legacy_browser = IsLegacyBrowser(parsed->browser.family, parsed->browser.major);
    }
  }
  geo::GeoLocation loc;
  bool located = false;
  auto ip = geo::IpAddress::Parse(batch->client_ip);
  if (geo_ && ip) located = geo_->Lookup(*ip, loc) == geo::GeoLookupStatus::kFound;
  std::optional<std::string> stored_ip;
  if (ip && projects_) {
    auto settings = projects_->SettingsFor(batch->project_id);
    auto policy = geo::ParseIpStoragePolicy(settings->ip_policy).value_or(geo::IpStoragePolicy::kDrop);
    stored_ip = geo::ApplyIpStoragePolicy(*ip, policy);
  }
  for (Event& e : batch->events) {
    e.browser = browser;
    e.browser_version = browser_version;
    e.os = os;
    e.os_version = os_version;
    e.device = device;
    if (located) {
      e.country = loc.country_code;
      e.region = loc.region_name.empty() ? loc.region_code : loc.region_name;
      e.city = loc.city;
    }
    if (stored_ip) PutClientIp(&e, *stored_ip);
  }
}

}  // namespace vigil
