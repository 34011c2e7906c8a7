// FilterStep: the per-project inbound filters (pipeline/project_settings.h). A filtered event is
// removed from the batch and counted — by reason in `vigil_events_filtered_total{reason}` and per
// project and day in the meta store (GET /api/v1/projects/<id>/stats/filtered) — never dropped
// silently. Runs after EnrichStep (bots and legacy browsers need the parsed user agent).
//
// Reasons: project_disabled, ip_denied, release_denied, environment_denied, domain_not_allowed,
// localhost, bot, legacy_browser, browser_extension, known_noise, message_denied, outlier.
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "common/metrics.h"
#include "ingest/project_cache.h"
#include "pipeline/processor.h"
#include "store/meta_store.h"

namespace vigil {

class FilterStep : public PipelineStep {
 public:
  FilterStep(ProjectCache* projects, MetaStore* meta, CounterFamily* filtered)
      : projects_(projects), meta_(meta), filtered_(filtered) {}
  void Process(NormalizedBatch* batch) override;
  // Writes the counts accumulated since the last Flush (one transaction per project and day).
  void FinishCycle() override;

  // The reason `e` is filtered under `s`, or "" when it passes. Exposed for tests.
  static std::string_view Reason(const Event& e, const NormalizedBatch& batch, const ProjectSettings& s);

 private:
  ProjectCache* projects_;
  MetaStore* meta_;
  CounterFamily* filtered_;
  std::map<std::pair<int64_t, int64_t>, std::map<std::string, int64_t>> pending_;  // (project, day) -> reason -> n
};

}  // namespace vigil
