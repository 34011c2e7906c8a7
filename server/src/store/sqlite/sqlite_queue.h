// SqliteQueue: the embedded durable Queue, one SQLite file (queue.db) in WAL mode.
// One writer thread owns the write connection: it takes every record enqueued since its last
// transaction, inserts them and the consumer's deletions in one transaction (group commit), and
// only then calls each record's `done`. So a 2xx sent from `done` means the batch survives a crash.
#pragma once

#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "common/metrics.h"
#include "store/queue.h"
#include "store/sqlite/sqlite_db.h"

namespace vigil {

struct SqliteQueueOptions {
  std::string path;
  std::string synchronous = "NORMAL";  // NORMAL: survives process crashes; FULL: also power loss
  int64_t max_depth = 200000;          // records waiting for the consumer before Enqueue refuses
  int64_t max_pending_bytes = 64 << 20;  // bytes waiting for the writer before Enqueue refuses
  Histogram* commit_seconds = nullptr;   // optional: commit latency
};

class SqliteQueue : public Queue {
 public:
  static Result<std::unique_ptr<SqliteQueue>> Open(const SqliteQueueOptions& options);
  ~SqliteQueue() override;

  bool Enqueue(std::string payload, Done done) override;
  Status Poll(size_t max_records, std::chrono::milliseconds timeout, std::vector<QueueRecord>* out) override;
  Status Commit(uint64_t offset) override;
  int64_t Depth() const override;
  void Close() override;
  int64_t checkpoint_passes() { return checkpointer_.passes(); }

 private:
  explicit SqliteQueue(SqliteQueueOptions o) : opt_(std::move(o)) {}
  void WriterLoop();

  struct Pending {
    std::string payload;
    Done done;
  };

  SqliteQueueOptions opt_;
  SqliteDb write_db_;
  SqliteStmt insert_, delete_upto_;

  mutable std::mutex mu_;
  std::condition_variable writer_cv_;    // work for the writer
  std::condition_variable consumer_cv_;  // new durable records
  std::vector<Pending> pending_;
  int64_t pending_bytes_ = 0;
  int64_t depth_ = 0;             // rows in the table not yet deleted
  uint64_t durable_offset_ = 0;   // highest committed offset
  uint64_t commit_request_ = 0;   // consumer asked to delete up to here
  uint64_t deleted_upto_ = 0;
  bool closing_ = false;
  std::thread writer_;
  // A group commit never stalls while the WAL is copied into the database file.
  SqliteCheckpointer checkpointer_;

  // Consumer side (one thread).
  std::mutex read_mu_;
  std::mutex sql_read_mu_;  // held while the consumer's SELECT runs (see WriterLoop)
  SqliteDb read_db_;
  SqliteStmt select_;
  uint64_t read_cursor_ = 0;
};

}  // namespace vigil
