// Processor: the `process` stage (DESIGN.md §1). Takes durable batches from the Queue, runs the
// pipeline steps on their events, stores them in the EventStore and only then commits the queue
// offset — and never past a record whose effects a step still holds in memory (PendingFrom: the
// rollups aggregate a few seconds before writing). After a crash the uncommitted records come
// again: the EventStore's idempotent insert (by project, ts and event id) keeps every event once,
// and the counting steps skip records they already recorded — each writes the offset it has
// counted through in the same transaction as its counts (GroupingStep, RollupStep) — so issue
// counters and rollups count every event exactly once too. Each batch carries its record's offset.
//
// Two threads, so the stage uses two cores when it can: "vigil-process" polls, decodes and runs
// the steps on a cycle of records, then hands the cycle's events to "vigil-store", which inserts
// them into the EventStore (about half of the stage's CPU) and then commits the queue, while the
// first thread already works on the next cycle. At most one cycle waits between them, and queue
// commits happen only on the store thread, in order, after the insert they cover.
#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "common/metrics.h"
#include "store/event_store.h"
#include "store/queue.h"

namespace vigil {

// A pipeline step: edits events in place (enrichment) or removes them (filters) and may touch
// other stores (grouping). Steps run in order on the processor thread.
class PipelineStep {
 public:
  virtual ~PipelineStep() = default;
  virtual void Process(NormalizedBatch* batch) = 0;
  // Called once per processor cycle, after Process() ran on every batch of the cycle and before the
  // events are stored: steps that write to a store accumulate in Process() and write here, so a
  // busy cycle of hundreds of batches costs one transaction instead of one per batch. Also called
  // when the queue is idle (about every 200 ms), for work due on a timer.
  virtual void FinishCycle() {}
  // The offset of the oldest queue record whose effects this step holds only in memory (0: none).
  // The Processor commits the queue only below it, so after a crash those records come again.
  virtual uint64_t PendingFrom() const { return 0; }
};

struct ProcessorMetrics {
  Counter* processed = nullptr;  // events stored (new)
  Counter* corrupt = nullptr;    // undecodable queue records (never expected)
  Gauge* lag_ms = nullptr;       // received_at of the last processed batch vs now
};

class Processor {
 public:
  Processor(Queue* queue, EventStore* events, std::vector<PipelineStep*> steps, ProcessorMetrics metrics);
  ~Processor();

  void Start();
  // Processes what is already durable (up to `drain`), then stops both threads.
  void Stop(std::chrono::milliseconds drain);

 private:
  // What the steps made of a cycle of records, for the store thread.
  struct Cycle {
    std::vector<Event> events;
    int64_t newest_received = 0;
    // The queue may be committed through this offset once `events` are stored (0: nothing new).
    uint64_t commit_through = 0;
  };

  void StepLoop();
  void StoreLoop();
  // Runs the steps on `records` into `cycle` (cycle->events may hold events to reuse).
  void RunSteps(const std::vector<QueueRecord>& records, Cycle* cycle);
  // The offset the queue may be committed through after `processed`: below the oldest record whose
  // effects a step still holds only in memory.
  uint64_t CommitBound(uint64_t processed) const;
  // Waits for the handoff slot and fills it; false when stopping past the drain deadline.
  bool HandOff(Cycle cycle);
  bool PastDeadline() const;

  Queue* queue_;
  EventStore* events_;
  std::vector<PipelineStep*> steps_;
  ProcessorMetrics metrics_;
  std::atomic<bool> stopping_{false};
  std::atomic<int64_t> drain_deadline_ns_{0};
  std::thread step_thread_, store_thread_;

  std::mutex mu_;
  std::condition_variable cv_;
  std::optional<Cycle> handoff_;  // guarded by mu_
  // Guarded by mu_: the events of the last stored cycle. The step thread decodes the next cycle
  // into them, so their strings' buffers are reused instead of freed on one thread and allocated
  // again on the other.
  std::vector<Event> spare_events_;
  bool steps_done_ = false;       // guarded by mu_: the step thread has exited
  uint64_t committed_ = 0;        // store thread only
};

}  // namespace vigil
