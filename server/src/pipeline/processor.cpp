#include "pipeline/processor.h"

#include <pthread.h>

#include "common/clock.h"
#include "common/log.h"
#include "common/thread_priority.h"

namespace vigil {

Processor::Processor(Queue* queue, EventStore* events, std::vector<PipelineStep*> steps, ProcessorMetrics metrics)
    : queue_(queue), events_(events), steps_(std::move(steps)), metrics_(metrics) {}

Processor::~Processor() { Stop(std::chrono::milliseconds(0)); }

void Processor::Start() {
  thread_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "vigil-process");
    LowerThreadPriority();
    Loop();
  });
}

void Processor::Stop(std::chrono::milliseconds drain) {
  if (!thread_.joinable()) return;
  drain_deadline_ns_ = MonoNs() + std::chrono::duration_cast<std::chrono::nanoseconds>(drain).count();
  stopping_ = true;
  thread_.join();
}

bool Processor::ProcessRecords(const std::vector<QueueRecord>& records) {
  std::vector<Event> all;
  NormalizedBatch batch;
  std::string error;
  int64_t newest_received = 0;
  for (const auto& r : records) {
    if (!DecodeBatch(r.payload, &batch, &error)) {
      LogError("undecodable queue record skipped", {{"offset", static_cast<int64_t>(r.offset)}, {"error", error}});
      if (metrics_.corrupt) metrics_.corrupt->Add();
      continue;
    }
    batch.offset = r.offset;
    for (PipelineStep* step : steps_) step->Process(&batch);
    newest_received = std::max(newest_received, batch.received_at);
    for (auto& e : batch.events) all.push_back(std::move(e));
  }
  for (PipelineStep* step : steps_) step->FinishCycle();
  auto stored = events_->Insert(all);
  if (!stored.ok()) {
    LogError("event store write failed; will retry", {{"error", stored.status().ToString()}});
    return false;
  }
  if (metrics_.processed) metrics_.processed->Add(stored.value());
  if (metrics_.lag_ms && newest_received) metrics_.lag_ms->Set(NowMs() - newest_received);
  return true;
}

void Processor::CommitUpTo(uint64_t processed) {
  uint64_t through = processed;
  for (PipelineStep* step : steps_) {
    uint64_t pending = step->PendingFrom();
    if (pending > 0) through = std::min(through, pending - 1);
  }
  if (through <= committed_) return;
  Status s = queue_->Commit(through);
  if (!s.ok()) {
    LogError("queue commit failed; the records will be replayed", {{"error", s.ToString()}});
    return;
  }
  committed_ = through;
}

void Processor::Loop() {
  std::vector<QueueRecord> records;
  uint64_t processed = 0;
  int backoff_ms = 50;
  while (true) {
    bool stopping = stopping_.load();
    if (stopping && MonoNs() > drain_deadline_ns_.load()) break;
    Status s = queue_->Poll(256, std::chrono::milliseconds(stopping ? 0 : 200), &records);
    if (!s.ok()) {
      LogError("queue poll failed", {{"error", s.ToString()}});
      std::this_thread::sleep_for(std::chrono::milliseconds(backoff_ms));
      continue;
    }
    if (records.empty()) {
      // Idle: let steps with timed work (rollups write every few seconds) do it now.
      for (PipelineStep* step : steps_) step->FinishCycle();
      if (processed > 0) CommitUpTo(processed);
      if (stopping) break;
      continue;
    }
    while (!ProcessRecords(records)) {
      if (stopping_.load() && MonoNs() > drain_deadline_ns_.load()) return;  // records stay in the queue
      std::this_thread::sleep_for(std::chrono::milliseconds(backoff_ms));
      backoff_ms = std::min(backoff_ms * 2, 5000);
    }
    backoff_ms = 50;
    processed = records.back().offset;
    CommitUpTo(processed);
  }
}

}  // namespace vigil
