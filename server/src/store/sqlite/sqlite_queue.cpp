#include "store/sqlite/sqlite_queue.h"

#include <pthread.h>

#include "common/clock.h"
#include "common/log.h"

namespace vigil {

namespace {
const std::vector<std::string>& QueueMigrations() {
  static const std::vector<std::string> kMigrations = {
      // 1: AUTOINCREMENT so offsets never repeat, even after the table empties.
      "CREATE TABLE queue(offset INTEGER PRIMARY KEY AUTOINCREMENT, payload BLOB NOT NULL, "
      "enqueued_at INTEGER NOT NULL);",
  };
  return kMigrations;
}
}  // namespace

Result<std::unique_ptr<SqliteQueue>> SqliteQueue::Open(const SqliteQueueOptions& options) {
  std::unique_ptr<SqliteQueue> q(new SqliteQueue(options));
  // 4 KiB pages (SQLite's default): records are zstd-compressed (EncodeBatch; ~2 KiB for a batch of
  // 20 events), and every commit rewrites the last leaf, its parent and the sqlite_sequence page
  // whole, so larger pages only add bytes to copy: per event written 0.67 KiB with 4 KiB pages,
  // 0.95 with 8, 1.5 with 16 (docs/performance.md). The page size of an existing queue.db stays.
  Status s = q->write_db_.Open(options.path, options.synchronous, 4096);
  if (!s.ok()) return s;
  s = q->write_db_.Migrate(QueueMigrations(), "queue");
  if (!s.ok()) return s;
  auto ins = q->write_db_.Prepare("INSERT INTO queue(payload, enqueued_at) VALUES(?, ?)");
  if (!ins.ok()) return ins.status();
  q->insert_ = std::move(ins.value());
  auto del = q->write_db_.Prepare("DELETE FROM queue WHERE offset <= ?");
  if (!del.ok()) return del.status();
  q->delete_upto_ = std::move(del.value());

  auto st = q->write_db_.Prepare("SELECT COUNT(*), COALESCE(MAX(offset), 0) FROM queue");
  if (!st.ok()) return st.status();
  auto row = st->Step();
  if (!row.ok()) return row.status();
  q->depth_ = st->Int(0);
  q->durable_offset_ = static_cast<uint64_t>(st->Int(1));

  // Checkpoint every 4 MiB of WAL, mostly off the writer thread (SqliteCheckpointer).
  s = q->checkpointer_.Start(&q->write_db_, options.path, options.synchronous, 4 << 20, "vigil-queue-ck");
  if (!s.ok()) return s;
  s = q->write_db_.Exec("PRAGMA journal_size_limit=" + std::to_string(8 << 20));
  if (!s.ok()) return s;

  s = q->read_db_.Open(options.path, options.synchronous);
  if (!s.ok()) return s;
  auto sel = q->read_db_.Prepare("SELECT offset, payload FROM queue WHERE offset > ? ORDER BY offset LIMIT ?");
  if (!sel.ok()) return sel.status();
  q->select_ = std::move(sel.value());
  if (q->depth_ > 0) LogInfo("queue has records to replay", {{"records", q->depth_}});
  q->writer_ = std::thread([p = q.get()] {
    pthread_setname_np(pthread_self(), "vigil-queue");
    p->WriterLoop();
  });
  return q;
}


SqliteQueue::~SqliteQueue() { Close(); }

bool SqliteQueue::Enqueue(std::string payload, Done done) {
  std::lock_guard<std::mutex> lock(mu_);
  if (closing_ || depth_ + static_cast<int64_t>(pending_.size()) >= opt_.max_depth ||
      pending_bytes_ + static_cast<int64_t>(payload.size()) > opt_.max_pending_bytes) {
    return false;
  }
  pending_bytes_ += static_cast<int64_t>(payload.size());
  pending_.push_back(Pending{std::move(payload), std::move(done)});
  if (pending_.size() == 1) writer_cv_.notify_one();
  return true;
}

void SqliteQueue::WriterLoop() {
  std::vector<Pending> batch;
  while (true) {
    uint64_t delete_upto = 0;
    {
      std::unique_lock<std::mutex> lock(mu_);
      writer_cv_.wait(lock, [&] { return !pending_.empty() || commit_request_ > deleted_upto_ || closing_; });
      if (pending_.empty() && commit_request_ <= deleted_upto_ && closing_) break;
      batch.swap(pending_);
      pending_bytes_ = 0;
      if (commit_request_ > deleted_upto_) delete_upto = commit_request_;
    }
    int64_t t0 = MonoNs();
    if (checkpointer_.PassFinished()) {
      // Keep the consumer's reads out while the last frames are copied: a read of an older
      // snapshot would stop the copy short and the WAL could not start over.
      std::lock_guard<std::mutex> sql_lock(sql_read_mu_);
      checkpointer_.Complete(&write_db_);
    }
    Status s = write_db_.Exec("BEGIN");
    uint64_t last = 0;
    for (size_t i = 0; s.ok() && i < batch.size(); ++i) {
      insert_.BindBlob(1, batch[i].payload).Bind(2, NowMs());
      s = insert_.Run();
      if (s.ok()) last = static_cast<uint64_t>(write_db_.LastInsertId());
    }
    int64_t deleted = 0;
    if (s.ok() && delete_upto) {
      delete_upto_.Bind(1, static_cast<int64_t>(delete_upto));
      s = delete_upto_.Run();
      deleted = write_db_.Changes();
    }
    if (s.ok()) s = write_db_.Exec("COMMIT");
    if (!s.ok()) {
      write_db_.Exec("ROLLBACK");
      LogError("queue commit failed", {{"error", s.ToString()}, {"records", static_cast<int64_t>(batch.size())}});
      deleted = 0;
      last = 0;
    }
    if (opt_.commit_seconds && !batch.empty()) opt_.commit_seconds->Observe((MonoNs() - t0) / 1e9);
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (s.ok()) {
        depth_ += static_cast<int64_t>(batch.size()) - deleted;
        if (last) durable_offset_ = last;
        if (delete_upto) deleted_upto_ = delete_upto;
      }
    }
    if (s.ok() && !batch.empty()) consumer_cv_.notify_all();
    for (auto& p : batch) p.done(s);
    batch.clear();
  }
}

Status SqliteQueue::Poll(size_t max_records, std::chrono::milliseconds timeout, std::vector<QueueRecord>* out) {
  out->clear();
  std::lock_guard<std::mutex> read_lock(read_mu_);
  {
    std::unique_lock<std::mutex> lock(mu_);
    if (durable_offset_ <= read_cursor_) {
      consumer_cv_.wait_for(lock, timeout, [&] { return durable_offset_ > read_cursor_ || closing_; });
    }
    if (durable_offset_ <= read_cursor_) return Status::Ok();
  }
  std::lock_guard<std::mutex> sql_lock(sql_read_mu_);
  select_.Bind(1, static_cast<int64_t>(read_cursor_)).Bind(2, static_cast<int64_t>(max_records));
  while (true) {
    auto row = select_.Step();
    if (!row.ok()) {
      select_.Reset();
      return row.status();
    }
    if (!row.value()) break;
    QueueRecord r;
    r.offset = static_cast<uint64_t>(select_.Int(0));
    r.payload = select_.Text(1);
    out->push_back(std::move(r));
  }
  select_.Reset();
  if (!out->empty()) read_cursor_ = out->back().offset;
  return Status::Ok();
}

Status SqliteQueue::Commit(uint64_t offset) {
  std::lock_guard<std::mutex> lock(mu_);
  if (offset > commit_request_) {
    commit_request_ = offset;
    writer_cv_.notify_one();
  }
  return Status::Ok();
}

int64_t SqliteQueue::Depth() const {
  std::lock_guard<std::mutex> lock(mu_);
  return depth_ + static_cast<int64_t>(pending_.size());
}

void SqliteQueue::Close() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (closing_ && !writer_.joinable()) return;
    closing_ = true;
  }
  writer_cv_.notify_all();
  consumer_cv_.notify_all();
  if (writer_.joinable()) writer_.join();
  checkpointer_.Stop();
}

}  // namespace vigil
