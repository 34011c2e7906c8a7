// SqliteQueue: the embedded durable Queue, a log of SQLite segment files in WAL mode.
//
// One writer thread owns the write connection: it takes every record enqueued since its last
// transaction, inserts them (and the consumer's commit offset) in one transaction (group commit),
// and only then calls each record's `done`. So a 2xx sent from `done` means the batch survives a
// crash.
//
// Segments: records go to the newest segment, `<dir>/queue/<first offset, 20 digits>.db`, until its
// WAL holds `segment_bytes`; then the writer starts the next one. A segment's WAL is never
// checkpointed: the consumer reads the records from it, and a segment whose records are all
// committed is deleted as a whole. So the writer never deletes rows and never waits for a
// checkpoint's sync (a single file needed both: a DELETE of thousands of processed records held the
// writer up to ~120 ms, and handing a checkpoint over to the writer synced on the ack path for
// 15-60 ms; docs/performance.md). The consumer's commit offset is stored in the newest segment, in
// the writer's transactions. Offsets are assigned by the writer, increase by one per record and
// never repeat, across segments and restarts.
//
// A queue written by earlier versions (one file, `options.path`, records deleted once processed) is
// read first, as the oldest segment, and deleted once all its records are committed.
#pragma once

#include <condition_variable>
#include <deque>
#include <optional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "common/metrics.h"
#include "store/queue.h"
#include "store/sqlite/sqlite_db.h"

namespace vigil {

struct SqliteQueueOptions {
  std::string path;  // e.g. <data>/queue.db: segments go to <data>/queue/
  std::string synchronous = "NORMAL";  // NORMAL: survives process crashes; FULL: also power loss
  int64_t max_depth = 200000;          // records waiting for the consumer before Enqueue refuses
  int64_t max_pending_bytes = 64 << 20;  // bytes waiting for the writer before Enqueue refuses
  Histogram* commit_seconds = nullptr;   // optional: commit latency
  // WAL bytes after which the writer starts a new segment. Disk use is about the unconsumed
  // records plus one segment.
  int64_t segment_bytes = int64_t{64} << 20;
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

  // Segment files on disk now (the legacy file included); for tests and diagnostics.
  size_t segment_count() const;
  // Segments started from a prepared spare (PrepareSpare) so far.
  int64_t segments_from_spare() const;
  // The directory of the segment files.
  const std::string& segment_dir() const { return segment_dir_; }

 private:
  explicit SqliteQueue(SqliteQueueOptions o) : opt_(std::move(o)) {}

  struct Segment {
    std::string path;
    uint64_t first = 0;  // lowest offset it may hold
    uint64_t last = 0;   // highest offset it holds (first - 1 when empty)
    bool legacy = false;
  };

  Status Recover();
  Status StartSegment(uint64_t first, uint64_t committed);  // writer: makes a new newest segment
  void WriterLoop();
  void DeleteConsumedSegments();  // writer thread
  std::string SparePath() const;
  void PrepareSpare();
  void PreparerLoop();
  Status OpenReader(const Segment& segment);
  void CloseReader();
  static int OnWalCommit(void* self, sqlite3* db, const char* name, int wal_pages);

  SqliteQueueOptions opt_;
  std::string segment_dir_;

  // Writer side (the writer thread, and Open before it starts).
  std::unique_ptr<SqliteDb> write_db_;
  SqliteStmt insert_, set_committed_;
  int wal_pages_ = 0;  // frames in the newest segment's WAL (sqlite3_wal_hook)
  int page_size_ = 4096;
  uint64_t next_offset_ = 1;
  uint64_t committed_stored_ = 0;  // commit offset stored in the newest segment

  mutable std::mutex mu_;
  std::condition_variable writer_cv_;    // work for the writer
  std::condition_variable consumer_cv_;  // new durable records
  std::deque<Segment> segments_;  // oldest first; the back one is written
  struct Pending {
    std::string payload;
    Done done;
  };
  std::vector<Pending> pending_;
  int64_t pending_bytes_ = 0;
  uint64_t durable_offset_ = 0;    // highest committed offset
  uint64_t commit_request_ = 0;    // the consumer processed everything up to here
  std::string reader_segment_;     // path of the segment the consumer has open (empty: none)
  bool closing_ = false;
  std::thread writer_;
  // The next segment, made ahead by its own thread (PrepareSpare).
  std::thread preparer_;
  std::condition_variable preparer_cv_;
  bool spare_wanted_ = false;
  bool spare_ready_ = false;
  int64_t segments_from_spare_ = 0;

  // Consumer side (one thread).
  std::mutex read_mu_;
  std::unique_ptr<SqliteDb> read_db_;
  SqliteStmt select_;
  std::string reader_path_;  // the segment read_db_ is on
  uint64_t read_cursor_ = 0;
};

}  // namespace vigil
