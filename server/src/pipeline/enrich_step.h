// EnrichStep: fills browser, OS and device from the batch's User-Agent (and Client Hints) through
// the uap-core parser and its cache, and country/region/city from the client IP through the geo
// databases; then applies the project's IP storage policy (drop, anonymize, keep) to what is kept
// in `data.client_ip`. Either source may be absent (no regexes.yaml, no mmdb): those columns stay
// empty. Runs on the processor thread.
#pragma once

#include "geo/geo_locator.h"
#include "ingest/project_cache.h"
#include "pipeline/processor.h"
#include "ua/user_agent_cache.h"

namespace vigil {

class EnrichStep : public PipelineStep {
 public:
  // Any pointer may be null (that enrichment is skipped). All must outlive the step.
  EnrichStep(ua::UserAgentCache* ua, const geo::GeoLocator* geo, ProjectCache* projects)
      : ua_(ua), geo_(geo), projects_(projects) {}
  void Process(NormalizedBatch* batch) override;

 private:
  ua::UserAgentCache* ua_;
  const geo::GeoLocator* geo_;
  ProjectCache* projects_;
};

// Browsers old enough for the legacy-browser filter: Internet Explorer, Chrome/Firefox < 70,
// Safari (and Mobile Safari) < 12, Opera < 60, Android stock browser.
bool IsLegacyBrowser(const std::string& family, const std::string& major);

}  // namespace vigil
