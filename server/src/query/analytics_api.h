// Analytics endpoints of docs/api.md. Overview, performance, long tasks, behaviour and API health
// read the rollups (percentiles from merged sketches; long ranges read day and hour rows, not
// events); the breakdowns by URL, endpoint, flow, click text and custom property read the derived
// series (rollup/rollup_step.h). Those breakdowns fall back to bounded scans of raw events when the
// request asks (`source=events`) or filters by what the rollups lack (device). An issue's events
// and tags, and the session timeline, read raw events.
#pragma once

#include "http/router.h"
#include "rollup/rollup_store.h"
#include "store/event_store.h"
#include "store/meta_store.h"

namespace vigil {

class AnalyticsApi {
 public:
  AnalyticsApi(MetaStore* meta, EventStore* events, RollupStore* rollups)
      : meta_(meta), events_(events), rollups_(rollups) {}
  void Register(Router* router);

  // Web-vitals rating of a p75: "good", "needs-improvement", "poor", or "" for other metrics.
  static std::string Rating(const std::string& metric, double p75);

 private:
  MetaStore* meta_;
  EventStore* events_;
  RollupStore* rollups_;
};

}  // namespace vigil
