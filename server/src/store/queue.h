// Queue: the durable hand-off between ingest and the process stage (SQLite table embedded; Kafka
// scale-out). A record is an encoded NormalizedBatch (common/event.h).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "common/status.h"

namespace vigil {

struct QueueRecord {
  uint64_t offset = 0;  // strictly increasing
  std::string payload;
};

class Queue {
 public:
  using Done = std::function<void(const Status&)>;
  virtual ~Queue() = default;

  // Producer side, any thread. Returns false, without calling `done`, when the queue is full (the
  // caller answers 503). Otherwise `done` is called exactly once, from a queue thread, after the
  // record is durable (ok) or could not be made durable (error). Concurrent records are committed
  // together (group commit).
  virtual bool Enqueue(std::string payload, Done done) = 0;

  // Consumer side, one thread. Returns records after the last polled one, waiting up to `timeout`
  // when none is ready. After a restart, records not yet committed are delivered again.
  virtual Status Poll(size_t max_records, std::chrono::milliseconds timeout,
                      std::vector<QueueRecord>* out) = 0;
  // Marks every record with offset <= `offset` as processed; they may be deleted.
  virtual Status Commit(uint64_t offset) = 0;

  // Records enqueued but not yet committed by the consumer.
  virtual int64_t Depth() const = 0;
  // Stops accepting, makes every accepted record durable and calls its `done`. Idempotent.
  virtual void Close() = 0;
};

}  // namespace vigil
