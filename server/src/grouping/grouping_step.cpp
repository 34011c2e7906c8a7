#include "grouping/grouping_step.h"

#include "common/log.h"
#include "grouping/fingerprint.h"

namespace vigil {

void GroupingStep::Process(NormalizedBatch* batch) {
  std::vector<IssueObservation> obs;
  std::vector<Event*> errors;
  for (Event& e : batch->events) {
    if (e.type != EventType::kError) continue;
    GroupingResult g = ComputeFingerprint(e);
    IssueObservation o;
    o.project_id = e.project_id;
    o.fingerprint = g.fingerprint;
    o.title = std::move(g.title);
    o.culprit = std::move(g.culprit);
    o.kind = e.name;
    o.level = e.level;
    o.release = e.release;
    o.uid = e.uid;
    o.sid = e.sid;
    o.ts = e.ts;
    e.fingerprint = std::move(g.fingerprint);
    obs.push_back(std::move(o));
    errors.push_back(&e);
  }
  if (obs.empty()) return;
  auto ids = meta_->RecordIssueEvents(obs);
  if (!ids.ok()) {
    // The events are still stored with their fingerprint; issue_id stays empty.
    LogError("recording issues failed", {{"error", ids.status().ToString()}});
    return;
  }
  for (size_t i = 0; i < errors.size(); ++i) errors[i]->issue_id = ids.value()[i];
  if (grouped_) grouped_->Add(errors.size());
}

}  // namespace vigil
