// Analytics endpoints of docs/api.md: overview and performance from the rollups (percentiles from
// merged sketches, so long ranges read hour rows, not events); navigation/resources/long tasks,
// behaviour, API health and an issue's events and tags from bounded scans of raw events.
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
