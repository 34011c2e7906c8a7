#include "pipeline/filter_step.h"

#include <simdjson.h>

#include <map>

#include "common/log.h"
#include "geo/ip_address.h"
#include "ingest/project_cache.h"

namespace vigil {
namespace {

std::string_view HostOf(std::string_view url) {
  size_t scheme = url.find("://");
  if (scheme == std::string_view::npos) return {};
  std::string_view rest = url.substr(scheme + 3);
  rest = rest.substr(0, rest.find_first_of("/?#"));
  size_t at = rest.rfind('@');
  if (at != std::string_view::npos) rest.remove_prefix(at + 1);
  if (!rest.empty() && rest.front() == '[') return rest.substr(0, rest.find(']') + 1);
  return rest.substr(0, rest.find(':'));
}

bool DomainMatches(std::string_view pattern, std::string_view host) {
  if (pattern == "*" || pattern == host) return true;
  if (pattern.size() > 2 && pattern.substr(0, 2) == "*.") {
    std::string_view suffix = pattern.substr(1);  // ".example.com"
    return host.size() > suffix.size() && host.substr(host.size() - suffix.size()) == suffix;
  }
  return false;
}

bool IsLocalhost(std::string_view host) {
  return host == "localhost" || host == "127.0.0.1" || host == "[::1]" || host == "0.0.0.0" ||
         (host.size() > 10 && host.substr(host.size() - 10) == ".localhost");
}

bool AnyGlob(const std::vector<std::string>& patterns, std::string_view text) {
  for (const auto& p : patterns) {
    if (GlobMatch(p, text)) return true;
  }
  return false;
}

bool IsExtensionUrl(std::string_view url) {
  return url.rfind("chrome-extension://", 0) == 0 || url.rfind("moz-extension://", 0) == 0 ||
         url.rfind("safari-extension://", 0) == 0 || url.rfind("safari-web-extension://", 0) == 0 ||
         url.rfind("ms-browser-extension://", 0) == 0;
}

struct StackFacts {
  bool has_frames = false;
  bool extension_on_top = false;
};

// Looks at the error's frames: is there a stack, and does its top (most recent) frame with a URL
// come from a browser extension?
StackFacts InspectFrames(const std::string& data) {
  StackFacts f;
  if (data.find("\"frames\"") == std::string::npos) return f;
  thread_local simdjson::dom::parser parser;
  simdjson::dom::element root;
  simdjson::dom::array frames;
  if (parser.parse(data).get(root) || root["frames"].get(frames)) return f;
  for (simdjson::dom::element fr : frames) {
    std::string_view url;
    if (fr["url"].get(url) || url.empty()) continue;
    f.has_frames = true;
    f.extension_on_top = IsExtensionUrl(url);
    break;
  }
  return f;
}

bool IsOutlier(const Event& e) {
  constexpr double kMinute = 60 * 1000.0, kHour = 3600 * 1000.0;
  if (e.duration && *e.duration > kHour) return true;
  if (e.type != EventType::kVital || !e.value) return false;
  double v = *e.value;
  if (v < 0) return true;
  if (e.name == "CLS") return v > 10;
  if (e.name == "LCP" || e.name == "FCP" || e.name == "TTFB" || e.name == "FP") return v > kMinute;
  return v > kHour;  // INP, TBT, long tasks, navigation timings
}

}  // namespace

std::string_view FilterStep::Reason(const Event& e, const NormalizedBatch& b, const ProjectSettings& s) {
  const InboundFilters& f = s.filters;
  if (!f.deny_ips.empty()) {
    auto ip = geo::IpAddress::Parse(b.client_ip);
    if (ip) {
      for (const auto& entry : f.deny_ips) {
        auto net = geo::IpNetwork::Parse(entry);
        if (net ? net->Contains(*ip) : geo::IpAddress::Parse(entry) == ip) return "ip_denied";
      }
    }
  }
  if (!e.release.empty() && AnyGlob(f.deny_releases, e.release)) return "release_denied";
  if (!e.environment.empty() && AnyGlob(f.deny_environments, e.environment)) return "environment_denied";
  std::string_view host = HostOf(e.url);
  if (!f.allowed_domains.empty() && !host.empty()) {
    bool ok = false;
    for (const auto& d : f.allowed_domains) ok = ok || DomainMatches(d, host);
    if (!ok) return "domain_not_allowed";
  }
  if (f.localhost && IsLocalhost(host)) return "localhost";
  if (f.bots && b.is_bot) return "bot";
  if (f.legacy_browsers && b.is_legacy_browser) return "legacy_browser";
  if (e.type == EventType::kError) {
    // The frames are parsed only when they can matter: every extension scheme contains
    // "extension://" (data is our own minified JSON, so it is not written "extension:\/\/"), and
    // "Script error." is noise only without frames.
    if (f.browser_extensions && e.data.find("extension://") != std::string::npos &&
        InspectFrames(e.data).extension_on_top) {
      return "browser_extension";
    }
    if (f.known_noise) {
      std::string_view m = e.message;
      if ((m == "Script error." || m == "Script error") && !InspectFrames(e.data).has_frames) return "known_noise";
      if (m.find("ResizeObserver loop") != std::string_view::npos) return "known_noise";
    }
    if (!f.deny_messages.empty() && AnyGlob(f.deny_messages, e.message)) return "message_denied";
  }
  if (f.outliers && IsOutlier(e)) return "outlier";
  return {};
}

void FilterStep::Process(NormalizedBatch* batch) {
  if (batch->events.empty()) return;
  auto settings = projects_->SettingsFor(batch->project_id);
  auto project = projects_->ById(batch->project_id);
  std::map<std::string_view, int64_t> counts;
  // Compacts in place: events before the first filtered one are not moved at all.
  std::vector<Event>& events = batch->events;
  size_t kept = 0;
  for (size_t i = 0; i < events.size(); ++i) {
    std::string_view reason = project && !project->enabled ? std::string_view("project_disabled")
                                                           : Reason(events[i], *batch, *settings);
    if (!reason.empty()) {
      counts[reason]++;
      continue;
    }
    if (kept != i) events[kept] = std::move(events[i]);
    ++kept;
  }
  events.resize(kept);
  if (counts.empty()) return;
  auto& slot = pending_[{batch->project_id, batch->received_at / 86400000}];
  for (const auto& [reason, n] : counts) {
    if (filtered_) filtered_->With({std::string(reason)}).Add(static_cast<uint64_t>(n));
    slot[std::string(reason)] += n;
  }
}

void FilterStep::FinishCycle() {
  for (const auto& [key, reasons] : pending_) {
    std::vector<std::pair<std::string, int64_t>> rows(reasons.begin(), reasons.end());
    Status s = meta_->AddFilteredCounts(key.first, key.second, rows);
    if (!s.ok()) LogError("recording filtered counts failed", {{"error", s.ToString()}});
  }
  pending_.clear();
}

}  // namespace vigil
