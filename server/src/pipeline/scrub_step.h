// ScrubStep: privacy scrubbing before storage. In each event's `data` (which holds breadcrumbs,
// props, attribution …), values of keys that look secret are replaced by "[Filtered]": keys
// containing password, passwd, secret, token, api_key, apikey, authorization, cookie, csrf, xsrf,
// credit_card, card_number, cardnumber, cvv, cvc, ssn, private_key, or equal to pwd, auth,
// session, sessionid — plus the project's extra keys (case-insensitive substrings). Strings that
// look like payment card numbers (13–19 digits passing the Luhn check) are filtered wherever they
// are, and so are secret-looking query parameters inside URLs (data strings, `url`, `referrer`).
// A project can turn the defaults off (`scrub_defaults: false`) but not its extra keys.
#pragma once

#include <string>
#include <vector>

#include "common/metrics.h"
#include "ingest/project_cache.h"
#include "pipeline/processor.h"

namespace vigil {

class ScrubStep : public PipelineStep {
 public:
  ScrubStep(ProjectCache* projects, Counter* scrubbed = nullptr) : projects_(projects), scrubbed_(scrubbed) {}
  void Process(NormalizedBatch* batch) override;

  // Scrubs one event in place; returns how many values were replaced. Exposed for tests.
  static int ScrubEvent(Event* e, const ProjectSettings& s);
  // Scrubs the query string of a URL ("?token=abc&q=1" -> "?token=[Filtered]&q=1").
  static std::string ScrubUrl(const std::string& url, const ProjectSettings& s, int* replaced);
  static bool LooksLikeCardNumber(std::string_view s);

 private:
  ProjectCache* projects_;
  Counter* scrubbed_;
};

}  // namespace vigil
