#include "grouping/grouping_step.h"

#include <algorithm>

#include "common/log.h"
#include "grouping/fingerprint.h"

namespace vigil {

void GroupingStep::Process(NormalizedBatch* batch) {
  if (!mark_loaded_) {
    auto mark = meta_->IssueEventsRecordedThrough();
    if (mark.ok()) {
      recorded_through_ = mark.value();
      mark_loaded_ = true;
    } else {
      LogError("reading the issue counting mark failed", {{"error", mark.status().ToString()}});
    }
  }
  // A replayed record already counted: ids and fingerprints again, counts not.
  const bool counted = batch->offset > 0 && batch->offset <= recorded_through_;
  cycle_through_ = std::max(cycle_through_, batch->offset);
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
    std::string key = std::to_string(e.project_id) + "/" + e.fingerprint;
    auto it = ids_.find(key);
    if (it == ids_.end()) {
      auto id = meta_->EnsureIssue(o);
      if (!id.ok()) {
        // The event is still stored with its fingerprint; issue_id stays empty.
        LogError("creating an issue failed", {{"error", id.status().ToString()}});
        continue;
      }
      if (ids_.size() > 100000) ids_.clear();  // bounded; ids are cheap to look up again
      it = ids_.emplace(key, id.value()).first;
    }
    e.issue_id = it->second;
    if (!counted) pending_.push_back(std::move(o));
  }
}

void GroupingStep::FinishCycle() {
  uint64_t through = cycle_through_;
  cycle_through_ = 0;
  if (pending_.empty()) return;
  auto ids = meta_->RecordIssueEvents(pending_, through);
  if (!ids.ok()) {
    LogError("recording issue events failed", {{"error", ids.status().ToString()}});
  } else {
    if (grouped_) grouped_->Add(pending_.size());
    recorded_through_ = std::max(recorded_through_, through);
  }
  pending_.clear();
}

}  // namespace vigil
