// ProjectCache: the ingest hot path's view of projects, by public key and by id. Reloads every
// project when the MetaStore's change counter moves (checked at most every `check_interval_ms`), so
// a project created or disabled by the CLI or the API takes effect within that interval; a key not
// in the cache is looked up in the store at once. Thread-safe.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <unordered_map>

#include "pipeline/project_settings.h"
#include "store/meta_store.h"

namespace vigil {

class ProjectCache {
 public:
  explicit ProjectCache(MetaStore* meta, int64_t check_interval_ms = 250);

  std::optional<Project> ByKey(const std::string& public_key);
  std::optional<Project> ById(int64_t id);
  // The project's parsed settings (defaults when unknown or invalid). Never null.
  std::shared_ptr<const ProjectSettings> SettingsFor(int64_t project_id);
  // Forces a reload (after this process changed a project).
  void Invalidate();

 private:
  void MaybeRefresh();
  // Caches a project looked up in the store on a miss.
  Project Remember(const Project& p);
  void Reload();

  MetaStore* meta_;
  int64_t check_interval_ms_;
  std::atomic<int64_t> next_check_ms_{0};
  std::mutex refresh_mu_;
  int64_t last_counter_ = -1;
  std::shared_mutex mu_;
  std::unordered_map<std::string, std::shared_ptr<const Project>> by_key_;
  std::unordered_map<int64_t, std::shared_ptr<const Project>> by_id_;
  std::unordered_map<int64_t, std::shared_ptr<const ProjectSettings>> settings_;
  std::shared_ptr<const ProjectSettings> defaults_ = std::make_shared<const ProjectSettings>();
};

// True when `origin` (e.g. "https://shop.example.com") is allowed by `allowed` patterns: empty list
// or "*" allows all; "https://a.example.com" matches exactly; "*.example.com" or
// "https://*.example.com" matches subdomains.
bool OriginAllowed(const std::vector<std::string>& allowed, std::string_view origin);

}  // namespace vigil
