#include "pipeline/project_settings.h"

#include <simdjson.h>

#include <cctype>

#include "common/json_writer.h"
#include "geo/ip_address.h"

namespace vigil {

bool GlobMatch(std::string_view p, std::string_view t) {
  size_t pi = 0, ti = 0, star = std::string_view::npos, mark = 0;
  auto eq = [](char a, char b) { return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b)); };
  while (ti < t.size()) {
    if (pi < p.size() && (p[pi] == '?' || (p[pi] != '*' && eq(p[pi], t[ti])))) {
      ++pi;
      ++ti;
    } else if (pi < p.size() && p[pi] == '*') {
      star = pi++;
      mark = ti;
    } else if (star != std::string_view::npos) {
      pi = star + 1;
      ti = ++mark;
    } else {
      return false;
    }
  }
  while (pi < p.size() && p[pi] == '*') ++pi;
  return pi == p.size();
}

namespace {

using simdjson::dom::element;

Status ReadStrings(element v, const std::string& name, std::vector<std::string>* out, size_t max_items = 200) {
  simdjson::dom::array arr;
  if (v.get(arr)) return Status::Error("invalid_field", name + " must be an array of strings");
  out->clear();
  for (element e : arr) {
    std::string_view s;
    if (e.get(s)) return Status::Error("invalid_field", name + " must be an array of strings");
    if (s.empty() || s.size() > 500) return Status::Error("invalid_field", name + ": entries must be 1-500 characters");
    out->emplace_back(s);
  }
  if (out->size() > max_items) return Status::Error("invalid_field", name + ": at most " + std::to_string(max_items) + " entries");
  return Status::Ok();
}

Status ReadBool(element v, const std::string& name, bool* out) {
  if (v.get(*out)) return Status::Error("invalid_field", name + " must be true or false");
  return Status::Ok();
}

}  // namespace

Result<ProjectSettings> ProjectSettings::FromJson(std::string_view json) {
  ProjectSettings s;
  if (json.empty()) return s;
  simdjson::dom::parser parser;
  element root;
  if (parser.parse(json.data(), json.size()).get(root) || !root.is_object()) {
    return Status::Error("invalid_json", "settings must be a JSON object");
  }
  for (auto [key, value] : simdjson::dom::object(root)) {
    std::string k(key);
    Status st;
    if (k == "filters") {
      simdjson::dom::object f;
      if (value.get(f)) return Status::Error("invalid_field", "filters must be an object");
      for (auto [fk_view, fv] : f) {
        std::string fk(fk_view), name = "filters." + fk;
        InboundFilters& x = s.filters;
        if (fk == "allowed_domains") st = ReadStrings(fv, name, &x.allowed_domains);
        else if (fk == "deny_ips") {
          st = ReadStrings(fv, name, &x.deny_ips);
          for (const auto& ip : x.deny_ips) {
            if (st.ok() && !geo::IpNetwork::Parse(ip) && !geo::IpAddress::Parse(ip)) {
              st = Status::Error("invalid_field", name + ": '" + ip + "' is not an IP address or CIDR");
            }
          }
        } else if (fk == "deny_releases") st = ReadStrings(fv, name, &x.deny_releases);
        else if (fk == "deny_environments") st = ReadStrings(fv, name, &x.deny_environments);
        else if (fk == "deny_messages") st = ReadStrings(fv, name, &x.deny_messages);
        else if (fk == "browser_extensions") st = ReadBool(fv, name, &x.browser_extensions);
        else if (fk == "known_noise") st = ReadBool(fv, name, &x.known_noise);
        else if (fk == "bots") st = ReadBool(fv, name, &x.bots);
        else if (fk == "localhost") st = ReadBool(fv, name, &x.localhost);
        else if (fk == "legacy_browsers") st = ReadBool(fv, name, &x.legacy_browsers);
        else if (fk == "outliers") st = ReadBool(fv, name, &x.outliers);
        else st = Status::Error("invalid_field", "unknown setting " + name);
        if (!st.ok()) return st;
      }
    } else if (k == "quotas") {
      simdjson::dom::object q;
      if (value.get(q)) return Status::Error("invalid_field", "quotas must be an object");
      for (auto [qk_view, qv] : q) {
        std::string qk(qk_view);
        double d;
        if (qv.get(d) || d < 0) return Status::Error("invalid_field", "quotas." + qk + " must be a number >= 0");
        if (qk == "rate") s.quotas.rate = d;
        else if (qk == "burst") s.quotas.burst = d;
        else if (qk == "daily") s.quotas.daily = static_cast<int64_t>(d);
        else return Status::Error("invalid_field", "unknown setting quotas." + qk);
      }
    } else if (k == "scrub_keys") {
      st = ReadStrings(value, k, &s.scrub_keys);
    } else if (k == "scrub_defaults") {
      st = ReadBool(value, k, &s.scrub_defaults);
    } else if (k == "ip_policy") {
      std::string_view p;
      if (value.get(p) || (p != "drop" && p != "anonymize" && p != "keep")) {
        return Status::Error("invalid_field", "ip_policy must be drop, anonymize or keep");
      }
      s.ip_policy = std::string(p);
    } else {
      return Status::Error("invalid_field", "unknown setting " + k);
    }
    if (!st.ok()) return st;
  }
  return s;
}

std::string ProjectSettings::ToJson() const {
  std::string out;
  JsonWriter w(&out);
  auto strings = [&](const char* k, const std::vector<std::string>& v) {
    w.Key(k).BeginArray();
    for (const auto& s : v) w.String(s);
    w.EndArray();
  };
  w.BeginObject().Key("filters").BeginObject();
  strings("allowed_domains", filters.allowed_domains);
  strings("deny_ips", filters.deny_ips);
  strings("deny_releases", filters.deny_releases);
  strings("deny_environments", filters.deny_environments);
  strings("deny_messages", filters.deny_messages);
  w.Field("browser_extensions", filters.browser_extensions)
      .Field("known_noise", filters.known_noise)
      .Field("bots", filters.bots)
      .Field("localhost", filters.localhost)
      .Field("legacy_browsers", filters.legacy_browsers)
      .Field("outliers", filters.outliers)
      .EndObject();
  w.Key("quotas").BeginObject().Field("rate", quotas.rate).Field("burst", quotas.burst).Field("daily", quotas.daily).EndObject();
  strings("scrub_keys", scrub_keys);
  w.Field("scrub_defaults", scrub_defaults).Field("ip_policy", ip_policy).EndObject();
  return out;
}

}  // namespace vigil
