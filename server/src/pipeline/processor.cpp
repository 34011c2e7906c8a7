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
  step_thread_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "vigil-process");
    LowerThreadPriority();
    StepLoop();
    std::lock_guard<std::mutex> lock(mu_);
    steps_done_ = true;
    cv_.notify_all();
  });
  store_thread_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "vigil-store");
    LowerThreadPriority();
    StoreLoop();
  });
}

void Processor::Stop(std::chrono::milliseconds drain) {
  if (!step_thread_.joinable()) return;
  drain_deadline_ns_ = MonoNs() + std::chrono::duration_cast<std::chrono::nanoseconds>(drain).count();
  stopping_ = true;
  cv_.notify_all();
  step_thread_.join();
  store_thread_.join();
}

bool Processor::PastDeadline() const { return stopping_.load() && MonoNs() > drain_deadline_ns_.load(); }

void Processor::RunSteps(const std::vector<QueueRecord>& records, Cycle* cycle) {
  NormalizedBatch batch;
  std::string error;
  // The cycle's events so far are out[0, used); the rest are spare ones, swapped into `batch` to be
  // decoded over.
  std::vector<Event>& out = cycle->events;
  size_t used = 0;
  for (const auto& r : records) {
    if (!DecodeBatch(r.payload, &batch, &error)) {
      LogError("undecodable queue record skipped", {{"offset", static_cast<int64_t>(r.offset)}, {"error", error}});
      if (metrics_.corrupt) metrics_.corrupt->Add();
      continue;
    }
    batch.offset = r.offset;
    for (PipelineStep* step : steps_) step->Process(&batch);
    cycle->newest_received = std::max(cycle->newest_received, batch.received_at);
    for (auto& e : batch.events) {
      if (used < out.size()) std::swap(out[used], e);
      else out.push_back(std::move(e));
      ++used;
    }
  }
  out.resize(used);
  for (PipelineStep* step : steps_) step->FinishCycle();
}

uint64_t Processor::CommitBound(uint64_t processed) const {
  uint64_t through = processed;
  for (PipelineStep* step : steps_) {
    uint64_t pending = step->PendingFrom();
    if (pending > 0) through = std::min(through, pending - 1);
  }
  return through;
}

bool Processor::HandOff(Cycle cycle) {
  std::unique_lock<std::mutex> lock(mu_);
  while (handoff_) {
    if (PastDeadline()) return false;
    cv_.wait_for(lock, std::chrono::milliseconds(100));
  }
  handoff_ = std::move(cycle);
  cv_.notify_all();
  return true;
}

void Processor::StepLoop() {
  std::vector<QueueRecord> records;
  uint64_t processed = 0, bound_sent = 0;
  int backoff_ms = 50;
  while (true) {
    bool stopping = stopping_.load();
    if (PastDeadline()) break;
    Status s = queue_->Poll(256, std::chrono::milliseconds(stopping ? 0 : 200), &records);
    if (!s.ok()) {
      LogError("queue poll failed", {{"error", s.ToString()}});
      std::this_thread::sleep_for(std::chrono::milliseconds(backoff_ms));
      continue;
    }
    Cycle cycle;
    if (records.empty()) {
      // Idle: let steps with timed work (rollups write every few seconds) do it now, and commit
      // what that released, once the store thread has stored everything before it.
      for (PipelineStep* step : steps_) step->FinishCycle();
      uint64_t bound = processed > 0 ? CommitBound(processed) : 0;
      if (bound > bound_sent) {
        cycle.commit_through = bound;
        if (!HandOff(std::move(cycle))) break;
        bound_sent = bound;
      }
      if (stopping) break;
      continue;
    }
    {
      std::lock_guard<std::mutex> lock(mu_);
      cycle.events.swap(spare_events_);
    }
    RunSteps(records, &cycle);
    processed = records.back().offset;
    cycle.commit_through = CommitBound(processed);
    bound_sent = std::max(bound_sent, cycle.commit_through);
    if (!HandOff(std::move(cycle))) break;  // past the deadline: the records stay in the queue
  }
}

void Processor::StoreLoop() {
  while (true) {
    Cycle cycle;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [&] { return handoff_.has_value() || steps_done_; });
      if (!handoff_) return;  // the step thread exited and nothing is left
      cycle = std::move(*handoff_);
      handoff_.reset();
      cv_.notify_all();
    }
    int backoff_ms = 50;
    while (!cycle.events.empty()) {
      auto stored = events_->Insert(cycle.events);
      if (stored.ok()) {
        if (metrics_.processed) metrics_.processed->Add(stored.value());
        if (metrics_.lag_ms && cycle.newest_received) metrics_.lag_ms->Set(NowMs() - cycle.newest_received);
        break;
      }
      LogError("event store write failed; will retry", {{"error", stored.status().ToString()}});
      if (PastDeadline()) return;  // uncommitted: the records come again after a restart
      std::this_thread::sleep_for(std::chrono::milliseconds(backoff_ms));
      backoff_ms = std::min(backoff_ms * 2, 5000);
    }
    if (!cycle.events.empty()) {
      std::lock_guard<std::mutex> lock(mu_);
      spare_events_ = std::move(cycle.events);
    }
    if (cycle.commit_through > committed_) {
      Status s = queue_->Commit(cycle.commit_through);
      if (!s.ok()) {
        LogError("queue commit failed; the records will be replayed", {{"error", s.ToString()}});
      } else {
        committed_ = cycle.commit_through;
      }
    }
  }
}

}  // namespace vigil
