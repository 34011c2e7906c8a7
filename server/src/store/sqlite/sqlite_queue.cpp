#include "store/sqlite/sqlite_queue.h"

#include <fcntl.h>
#include <pthread.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <system_error>

#include "common/clock.h"
#include "common/log.h"
#include "common/thread_priority.h"

namespace vigil {

namespace {

// A segment: its records, and (in segments this version writes) the consumer's commit offset as it
// was when the segment was last written. Offsets are given by the writer (no AUTOINCREMENT).
constexpr const char* kSegmentSchema =
    "CREATE TABLE IF NOT EXISTS queue(offset INTEGER PRIMARY KEY, payload BLOB NOT NULL, "
    "enqueued_at INTEGER NOT NULL);"
    "CREATE TABLE IF NOT EXISTS queue_meta(id INTEGER PRIMARY KEY CHECK(id = 1), committed INTEGER NOT NULL);";

std::string SegmentName(uint64_t first) {
  char name[32];
  snprintf(name, sizeof name, "%020llu.db", static_cast<unsigned long long>(first));
  return name;
}

// The first offset of a segment file named by SegmentName; 0 for any other name.
uint64_t SegmentFirst(const std::string& name) {
  if (name.size() != 23 || name.compare(20, 3, ".db") != 0) return 0;
  uint64_t first = 0;
  for (int i = 0; i < 20; ++i) {
    if (name[i] < '0' || name[i] > '9') return 0;
    first = first * 10 + static_cast<uint64_t>(name[i] - '0');
  }
  return first;
}

void RemoveDbFiles(const std::string& path) {
  std::error_code ec;
  for (const char* suffix : {"", "-wal", "-shm", "-journal"}) std::filesystem::remove(path + suffix, ec);
}

// Makes a new file's directory entry durable (synchronous=FULL promises power-loss safety).
void SyncDirectory(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY);
  if (fd < 0) return;
  ::fsync(fd);
  ::close(fd);
}

// A connection to a segment. A segment's WAL is its data: never checkpointed, also not when the
// last connection closes.
Result<std::unique_ptr<SqliteDb>> OpenSegmentDb(const std::string& path, const std::string& synchronous) {
  auto db = std::make_unique<SqliteDb>();
  Status s = db->Open(path, synchronous, 4096);
  if (!s.ok()) return s;
  sqlite3_db_config(db->raw(), SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, nullptr);
  s = db->Exec("PRAGMA wal_autocheckpoint=0");
  if (!s.ok()) return s;
  return db;
}

Result<int64_t> QueryInt(SqliteDb& db, std::string_view sql) {
  auto st = db.Prepare(sql);
  if (!st.ok()) return st.status();
  auto row = st->Step();
  if (!row.ok()) return row.status();
  return row.value() ? st->Int(0) : 0;
}

bool HasTable(SqliteDb& db, const char* table) {
  auto st = db.Prepare("SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = ?");
  if (!st.ok()) return false;
  st->Bind(1, std::string_view(table));
  auto row = st->Step();
  return row.ok() && row.value() && st->Int(0) > 0;
}

}  // namespace

Result<std::unique_ptr<SqliteQueue>> SqliteQueue::Open(const SqliteQueueOptions& options) {
  std::unique_ptr<SqliteQueue> q(new SqliteQueue(options));
  const std::string& path = options.path;
  q->segment_dir_ = path.size() > 3 && path.compare(path.size() - 3, 3, ".db") == 0
                        ? path.substr(0, path.size() - 3)
                        : path + ".segments";
  RemoveDbFiles(q->SparePath());  // a spare is made anew
  Status s = q->Recover();
  if (!s.ok()) return s;
  q->writer_ = std::thread([p = q.get()] {
    pthread_setname_np(pthread_self(), "vigil-queue");
    p->WriterLoop();
  });
  q->spare_wanted_ = true;
  q->preparer_ = std::thread([p = q.get()] {
    pthread_setname_np(pthread_self(), "vigil-queue-seg");
    LowerThreadPriority();
    p->PreparerLoop();
  });
  return q;
}

Status SqliteQueue::Recover() {
  std::error_code ec;
  std::filesystem::create_directories(segment_dir_, ec);
  if (ec) return Status::Error("queue_open", segment_dir_ + ": " + ec.message());

  std::vector<Segment> found;
  uint64_t committed = 0, highest = 0;
  bool have_meta = false;
  // A queue of an earlier version: rows are the records not yet processed.
  std::optional<uint64_t> legacy_committed;
  if (std::filesystem::exists(opt_.path)) {
    auto db = OpenSegmentDb(opt_.path, opt_.synchronous);
    if (!db.ok()) return db.status();
    if (HasTable(**db, "queue")) {
      auto min = QueryInt(**db, "SELECT COALESCE(MIN(offset), 0) FROM queue");
      auto max = QueryInt(**db, "SELECT COALESCE(MAX(offset), 0) FROM queue");
      if (!min.ok()) return min.status();
      if (!max.ok()) return max.status();
      uint64_t seq = 0;
      if (HasTable(**db, "sqlite_sequence")) {
        auto v = QueryInt(**db, "SELECT COALESCE(MAX(seq), 0) FROM sqlite_sequence WHERE name = 'queue'");
        if (!v.ok()) return v.status();
        seq = static_cast<uint64_t>(v.value());
      }
      // Offsets went up to `seq` even when every record was processed (AUTOINCREMENT).
      Segment legacy;
      legacy.path = opt_.path;
      legacy.legacy = true;
      const bool empty = min.value() <= 0;
      legacy.first = empty ? seq + 1 : static_cast<uint64_t>(min.value());
      legacy.last = empty ? seq : static_cast<uint64_t>(max.value());
      legacy_committed = legacy.first - 1;
      highest = std::max(seq, legacy.last);
      found.push_back(legacy);
    } else {
      db.value().reset();
      RemoveDbFiles(opt_.path);  // no queue in it: nothing to keep
    }
  }
  for (const auto& entry : std::filesystem::directory_iterator(segment_dir_, ec)) {
    const uint64_t first = SegmentFirst(entry.path().filename().string());
    if (first == 0) continue;
    auto db = OpenSegmentDb(entry.path().string(), opt_.synchronous);
    if (!db.ok()) return db.status();
    Status st = (*db)->Exec(kSegmentSchema);  // a segment created just before a crash may lack it
    if (!st.ok()) return st;
    auto max = QueryInt(**db, "SELECT COALESCE(MAX(offset), 0) FROM queue");
    if (!max.ok()) return max.status();
    auto meta = QueryInt(**db, "SELECT COALESCE(MAX(committed), -1) FROM queue_meta");
    if (!meta.ok()) return meta.status();
    if (meta.value() >= 0) {
      committed = std::max(committed, static_cast<uint64_t>(meta.value()));
      have_meta = true;
    }
    Segment seg;
    seg.path = entry.path().string();
    seg.first = first;
    seg.last = max.value() > 0 ? static_cast<uint64_t>(max.value()) : first - 1;
    highest = std::max(highest, seg.last);
    highest = std::max(highest, first - 1);  // an empty newest segment still says where offsets are
    found.push_back(seg);
  }
  if (ec) return Status::Error("queue_open", segment_dir_ + ": " + ec.message());
  std::sort(found.begin(), found.end(), [](const Segment& a, const Segment& b) {
    return a.legacy != b.legacy ? a.legacy : a.first < b.first;
  });
  if (!have_meta && legacy_committed) committed = *legacy_committed;

  next_offset_ = highest + 1;
  committed_stored_ = committed;
  commit_request_ = committed;
  read_cursor_ = committed;
  durable_offset_ = highest;
  for (Segment& seg : found) {
    if (!seg.legacy && seg.first == next_offset_) {
      RemoveDbFiles(seg.path);  // an empty newest segment: started again below
      continue;
    }
    segments_.push_back(seg);
  }
  Status st = StartSegment(next_offset_, committed);
  if (!st.ok()) return st;
  DeleteConsumedSegments();
  const int64_t depth = static_cast<int64_t>(durable_offset_ - committed);
  if (depth > 0) LogInfo("queue has records to replay", {{"records", depth}, {"segments", static_cast<int64_t>(segments_.size())}});
  return Status::Ok();
}

int SqliteQueue::OnWalCommit(void* self, sqlite3*, const char*, int wal_pages) {
  static_cast<SqliteQueue*>(self)->wal_pages_ = wal_pages;
  return SQLITE_OK;
}

std::string SqliteQueue::SparePath() const { return segment_dir_ + "/spare.db"; }

// Makes the next segment ahead of time: a segment file with its schema, whose WAL file is extended
// to the segment size (fallocate: zeros, no data written) and read ahead, so its pages are in the
// page cache. Appending to a growing file made ext4 zero every new page on the writer thread
// (zero_user_segments: a fifth of the writer's time); a WAL written over pages already cached is
// not. Zeros after a WAL's last frame are ignored by SQLite, as any stale bytes there are.
void SqliteQueue::PrepareSpare() {
  const std::string spare = SparePath();
  RemoveDbFiles(spare);
  {
    auto db = OpenSegmentDb(spare, opt_.synchronous);
    if (!db.ok()) return;
    if (!(*db)->Exec(std::string("BEGIN;") + kSegmentSchema + "INSERT OR REPLACE INTO queue_meta(id, committed) VALUES(1, 0);COMMIT;").ok())
      return;
  }
  const int fd = ::open((spare + "-wal").c_str(), O_RDWR | O_CLOEXEC);
  if (fd < 0) return;
  struct stat st {};
  const off_t target = static_cast<off_t>(opt_.segment_bytes + (opt_.segment_bytes >> 3));
  if (::fstat(fd, &st) == 0 && st.st_size < target && ::fallocate(fd, 0, st.st_size, target - st.st_size) == 0)
    ::readahead(fd, 0, static_cast<size_t>(target));  // into the page cache, not copied out
  ::close(fd);
}

void SqliteQueue::PreparerLoop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (true) {
    preparer_cv_.wait(lock, [&] { return spare_wanted_ || closing_; });
    if (closing_) return;
    spare_wanted_ = false;
    lock.unlock();
    PrepareSpare();
    lock.lock();
    spare_ready_ = std::filesystem::exists(SparePath() + "-wal");
  }
}

Status SqliteQueue::StartSegment(uint64_t first, uint64_t committed) {
  const std::string path = segment_dir_ + "/" + SegmentName(first);
  {
    // Take the prepared segment when there is one (the preparer is idle then).
    std::lock_guard<std::mutex> lock(mu_);
    if (spare_ready_) {
      spare_ready_ = false;
      std::error_code ec;
      std::filesystem::remove(SparePath() + "-shm", ec);
      std::filesystem::rename(SparePath() + "-wal", path + "-wal", ec);
      if (!ec) std::filesystem::rename(SparePath(), path, ec);
      if (ec) RemoveDbFiles(path);  // start it from nothing below
      else ++segments_from_spare_;
      spare_wanted_ = true;
      preparer_cv_.notify_one();
    }
  }
  auto db = OpenSegmentDb(path, opt_.synchronous);
  if (!db.ok()) return db.status();
  Status s = (*db)->Exec(std::string("BEGIN;") + kSegmentSchema +
                         "INSERT OR REPLACE INTO queue_meta(id, committed) VALUES(1, " + std::to_string(committed) +
                         ");COMMIT;");
  if (!s.ok()) {
    (*db)->Exec("ROLLBACK");
    return s;
  }
  if (opt_.synchronous == "FULL") SyncDirectory(segment_dir_);
  auto ins = (*db)->Prepare("INSERT INTO queue(offset, payload, enqueued_at) VALUES(?, ?, ?)");
  if (!ins.ok()) return ins.status();
  auto set = (*db)->Prepare("UPDATE queue_meta SET committed = ? WHERE id = 1");
  if (!set.ok()) return set.status();
  auto ps = (*db)->Prepare("PRAGMA page_size");
  if (!ps.ok()) return ps.status();
  auto row = ps->Step();
  if (row.ok() && row.value() && ps->Int(0) > 0) page_size_ = static_cast<int>(ps->Int(0));
  sqlite3_wal_hook((*db)->raw(), &SqliteQueue::OnWalCommit, this);
  // The previous segment's statements go before its connection.
  insert_ = std::move(ins.value());
  set_committed_ = std::move(set.value());
  write_db_ = std::move(db.value());
  wal_pages_ = 0;
  std::lock_guard<std::mutex> lock(mu_);
  Segment seg;
  seg.path = path;
  seg.first = first;
  seg.last = first - 1;
  segments_.push_back(seg);
  return Status::Ok();
}

void SqliteQueue::DeleteConsumedSegments() {
  while (true) {
    Segment oldest;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (segments_.size() < 2) return;  // the newest one is written
      oldest = segments_.front();
      // All its records are committed, and that is stored in the newest segment; the consumer
      // does not have it open.
      if (oldest.last > committed_stored_ || reader_segment_ == oldest.path) return;
      segments_.pop_front();
    }
    RemoveDbFiles(oldest.path);
  }
}

SqliteQueue::~SqliteQueue() { Close(); }

bool SqliteQueue::Enqueue(std::string payload, Done done) {
  std::lock_guard<std::mutex> lock(mu_);
  const int64_t depth = static_cast<int64_t>(durable_offset_ - commit_request_) + static_cast<int64_t>(pending_.size());
  if (closing_ || depth >= opt_.max_depth ||
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
    uint64_t commit_to = 0;
    {
      std::unique_lock<std::mutex> lock(mu_);
      writer_cv_.wait(lock, [&] { return !pending_.empty() || commit_request_ > committed_stored_ || closing_; });
      if (pending_.empty() && commit_request_ <= committed_stored_ && closing_) break;
      batch.swap(pending_);
      pending_bytes_ = 0;
      if (commit_request_ > committed_stored_) commit_to = commit_request_;
    }
    int64_t t0 = MonoNs();
    Status s = write_db_->Exec("BEGIN");
    const int64_t now = NowMs();
    for (size_t i = 0; s.ok() && i < batch.size(); ++i) {
      insert_.Bind(1, static_cast<int64_t>(next_offset_ + i)).BindBlob(2, batch[i].payload).Bind(3, now);
      s = insert_.Run();
    }
    if (s.ok() && commit_to) {
      set_committed_.Bind(1, static_cast<int64_t>(commit_to));
      s = set_committed_.Run();
    }
    if (s.ok()) s = write_db_->Exec("COMMIT");
    if (!s.ok()) {
      write_db_->Exec("ROLLBACK");
      LogError("queue commit failed", {{"error", s.ToString()}, {"records", static_cast<int64_t>(batch.size())}});
    } else {
      next_offset_ += batch.size();
      if (commit_to) committed_stored_ = commit_to;
    }
    if (opt_.commit_seconds && !batch.empty()) opt_.commit_seconds->Observe((MonoNs() - t0) / 1e9);
    if (s.ok() && !batch.empty()) {
      {
        std::lock_guard<std::mutex> lock(mu_);
        durable_offset_ = next_offset_ - 1;
        segments_.back().last = durable_offset_;
      }
      consumer_cv_.notify_all();
    }
    for (auto& p : batch) p.done(s);
    batch.clear();
    if (s.ok() && static_cast<int64_t>(wal_pages_) * page_size_ >= opt_.segment_bytes) {
      Status st = StartSegment(next_offset_, committed_stored_);
      if (!st.ok()) LogError("queue: cannot start a new segment", {{"error", st.ToString()}});
    }
    if (s.ok() && commit_to) DeleteConsumedSegments();
  }
}

void SqliteQueue::CloseReader() {
  select_ = SqliteStmt();
  read_db_.reset();
  reader_path_.clear();
  std::lock_guard<std::mutex> lock(mu_);
  reader_segment_.clear();
}

Status SqliteQueue::OpenReader(const Segment& segment) {
  CloseReader();
  auto db = OpenSegmentDb(segment.path, opt_.synchronous);
  if (!db.ok()) return db.status();
  auto sel = (*db)->Prepare("SELECT offset, payload FROM queue WHERE offset > ? ORDER BY offset LIMIT ?");
  if (!sel.ok()) return sel.status();
  select_ = std::move(sel.value());
  read_db_ = std::move(db.value());
  std::lock_guard<std::mutex> lock(mu_);
  reader_segment_ = segment.path;
  reader_path_ = segment.path;
  return Status::Ok();
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
  while (out->size() < max_records) {
    Segment seg;
    bool newest = false, found = false;
    {
      std::lock_guard<std::mutex> lock(mu_);
      for (size_t i = 0; i < segments_.size(); ++i) {
        if (segments_[i].last > read_cursor_) {
          seg = segments_[i];
          newest = i + 1 == segments_.size();
          found = true;
          break;
        }
      }
    }
    if (!found) break;
    if (!read_db_ || reader_path_ != seg.path) {
      Status s = OpenReader(seg);
      if (!s.ok()) return s;
    }
    const size_t before = out->size();
    select_.Bind(1, static_cast<int64_t>(read_cursor_)).Bind(2, static_cast<int64_t>(max_records - out->size()));
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
    if (out->size() > before) read_cursor_ = out->back().offset;
    // A segment's records end at `last`: past them, the next segment. The newest one may still
    // be written: what is not there yet comes with a later Poll.
    if (newest) break;
    if (read_cursor_ < seg.last) {
      if (out->size() == before)
        return Status::Error("queue_corrupt", seg.path + ": records missing up to offset " + std::to_string(seg.last));
      continue;
    }
    CloseReader();  // read to its end: the writer may delete it once it is committed
  }
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
  return static_cast<int64_t>(durable_offset_ - commit_request_) + static_cast<int64_t>(pending_.size());
}

int64_t SqliteQueue::segments_from_spare() const {
  std::lock_guard<std::mutex> lock(mu_);
  return segments_from_spare_;
}

size_t SqliteQueue::segment_count() const {
  std::lock_guard<std::mutex> lock(mu_);
  return segments_.size();
}

void SqliteQueue::Close() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (closing_ && !writer_.joinable()) return;
    closing_ = true;
  }
  writer_cv_.notify_all();
  consumer_cv_.notify_all();
  preparer_cv_.notify_all();
  if (writer_.joinable()) writer_.join();
  if (preparer_.joinable()) preparer_.join();
}

}  // namespace vigil
