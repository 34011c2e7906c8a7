#include "ingest/project_cache.h"

#include "common/clock.h"
#include "common/log.h"

#include <chrono>
#include <thread>

namespace vigil {

ProjectCache::ProjectCache(MetaStore* meta, int64_t check_interval_ms)
    : meta_(meta), check_interval_ms_(check_interval_ms) {
  Reload();
}

void ProjectCache::Reload() {
  // The counter before the list: a change committed in between makes the next check reload again.
  auto counter = meta_->ChangeCounter();
  for (int i = 0; i < 1000 && !counter.ok() && counter.status().code() == "busy"; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
    counter = meta_->ChangeCounter();
  }
  auto projects = meta_->ListProjects();
  if (!projects.ok()) {
    LogWarn("project cache reload failed", {{"error", projects.status().ToString()}});
    return;
  }
  std::unordered_map<std::string, std::shared_ptr<const Project>> by_key;
  std::unordered_map<int64_t, std::shared_ptr<const Project>> by_id;
  std::unordered_map<int64_t, std::shared_ptr<const ProjectSettings>> settings;
  for (auto& p : projects.value()) {
    auto sp = std::make_shared<const Project>(std::move(p));
    by_key[sp->public_key] = sp;
    by_id[sp->id] = sp;
    auto parsed = ProjectSettings::FromJson(sp->settings_json);
    if (parsed.ok()) settings[sp->id] = std::make_shared<const ProjectSettings>(std::move(parsed.value()));
    else LogWarn("invalid project settings ignored", {{"project", sp->id}, {"error", parsed.status().ToString()}});
  }
  std::unique_lock<std::shared_mutex> lock(mu_);
  by_key_.swap(by_key);
  by_id_.swap(by_id);
  settings_.swap(settings);
  if (counter.ok()) last_counter_ = counter.value();
}

void ProjectCache::MaybeRefresh() {
  int64_t now = NowMs();
  if (now < next_check_ms_.load(std::memory_order_relaxed)) return;
  std::unique_lock<std::mutex> lock(refresh_mu_, std::try_to_lock);
  if (!lock.owns_lock()) return;
  auto counter = meta_->ChangeCounter();
  if (!counter.ok()) {
    // Busy (a write in progress): look again on a lookup a few milliseconds from now.
    next_check_ms_ = now + 5;
    return;
  }
  next_check_ms_ = now + check_interval_ms_;
  if (counter.value() != last_counter_) Reload();
}

void ProjectCache::Invalidate() {
  std::lock_guard<std::mutex> lock(refresh_mu_);
  Reload();
}

Project ProjectCache::Remember(const Project& p) {
  auto sp = std::make_shared<const Project>(p);
  std::unique_lock<std::shared_mutex> lock(mu_);
  by_key_[sp->public_key] = sp;
  by_id_[sp->id] = sp;
  return *sp;
}

std::optional<Project> ProjectCache::ByKey(const std::string& key) {
  MaybeRefresh();
  {
    std::shared_lock<std::shared_mutex> lock(mu_);
    auto it = by_key_.find(key);
    if (it != by_key_.end()) return *it->second;
  }
  auto p = meta_->FindProjectByKey(key);
  if (!p.ok() || !p.value()) return std::nullopt;
  return Remember(*p.value());
}

std::optional<Project> ProjectCache::ById(int64_t id) {
  MaybeRefresh();
  {
    std::shared_lock<std::shared_mutex> lock(mu_);
    auto it = by_id_.find(id);
    if (it != by_id_.end()) return *it->second;
  }
  auto p = meta_->GetProject(id);
  if (!p.ok() || !p.value()) return std::nullopt;
  return Remember(*p.value());
}

std::shared_ptr<const ProjectSettings> ProjectCache::SettingsFor(int64_t project_id) {
  MaybeRefresh();
  std::shared_lock<std::shared_mutex> lock(mu_);
  auto it = settings_.find(project_id);
  return it == settings_.end() ? defaults_ : it->second;
}

bool OriginAllowed(const std::vector<std::string>& allowed, std::string_view origin) {
  if (allowed.empty()) return true;
  for (const auto& pat : allowed) {
    if (pat == "*" || pat == origin) return true;
    size_t star = pat.find("*.");
    if (star != std::string::npos) {
      std::string_view scheme = std::string_view(pat).substr(0, star);  // "" or "https://"
      std::string_view suffix = std::string_view(pat).substr(star + 1);  // ".example.com"
      std::string_view o = origin;
      if (!scheme.empty()) {
        if (o.substr(0, scheme.size()) != scheme) continue;
        o.remove_prefix(scheme.size());
      } else {
        size_t p = o.find("://");
        if (p != std::string_view::npos) o.remove_prefix(p + 3);
      }
      if (o.size() > suffix.size() && o.substr(o.size() - suffix.size()) == suffix) return true;
    }
  }
  return false;
}

}  // namespace vigil
