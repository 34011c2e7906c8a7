// GroupingStep: the pipeline step that fingerprints error events, records them on their issues
// (MetaStore::RecordIssueEvents, one transaction per batch) and stamps `fingerprint` and
// `issue_id` on the events before they are stored. Runs on the processor thread.
//
// Replays: each cycle's counts are written with the highest queue offset of the cycle
// (MetaStore::RecordIssueEvents `through`); batches replayed after a crash (see Processor) up to
// that offset get their fingerprints and issue ids again but are not counted again.
#pragma once

#include <string>
#include <unordered_map>

#include "common/metrics.h"
#include "pipeline/processor.h"
#include "store/meta_store.h"

namespace vigil {

// Issue ids are known as soon as Process() returns (a cache of fingerprint -> id, new issues
// created at once); counters, users, sessions and status rules are written in Flush(), once per
// processor cycle.
class GroupingStep : public PipelineStep {
 public:
  GroupingStep(MetaStore* meta, Counter* grouped = nullptr) : meta_(meta), grouped_(grouped) {}
  void Process(NormalizedBatch* batch) override;
  void FinishCycle() override;

 private:
  MetaStore* meta_;
  Counter* grouped_;
  std::unordered_map<std::string, int64_t> ids_;  // "project_id/fingerprint" -> issue id
  std::vector<IssueObservation> pending_;
  bool mark_loaded_ = false;
  uint64_t recorded_through_ = 0;  // counts are stored for queue records up to this offset
  uint64_t cycle_through_ = 0;     // the highest offset of the current cycle
};

}  // namespace vigil
