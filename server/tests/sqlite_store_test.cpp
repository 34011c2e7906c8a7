// The embedded stores on their own: the event store's identity rule and schema migration, the
// queue's segments (rolling, deletion, restarts, older queues) and the checkpointer's threshold.
#include <gtest/gtest.h>

#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <thread>

#include "common/thread_priority.h"
#include "store/sqlite/sqlite_db.h"
#include "store/sqlite/sqlite_event_store.h"
#include "store/sqlite/sqlite_meta_store.h"
#include "store/sqlite/sqlite_queue.h"
#include "test_support.h"

namespace vigil {
namespace {

Event MakeEvent(std::string id, int64_t ts, std::string name = "n") {
  Event e;
  e.project_id = 1;
  e.event_id = std::move(id);
  e.ts = ts;
  e.received_at = ts + 5;
  e.type = EventType::kCustom;
  e.name = std::move(name);
  e.data = R"({"k":1})";
  return e;
}

int64_t QueryInt(SqliteDb& db, const std::string& sql) {
  auto st = db.Prepare(sql);
  EXPECT_TRUE(st.ok()) << st.status().ToString();
  auto row = st->Step();
  EXPECT_TRUE(row.ok() && row.value()) << sql;
  return st->Int(0);
}

TEST(SqliteEventStoreTest, AnEventIsStoredOnceByProjectTimestampAndId) {
  std::string dir = test::MakeTempDir("vigil-store");
  auto store = SqliteEventStore::Open(dir + "/events.db");
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  auto& s = *store.value();
  auto n = s.Insert({MakeEvent("evt_aaaaaaaa", 1000), MakeEvent("evt_bbbbbbbb", 2000)});
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(n.value(), 2u);
  // A replayed record or resent batch: nothing new.
  n = s.Insert({MakeEvent("evt_aaaaaaaa", 1000, "again"), MakeEvent("evt_bbbbbbbb", 2000)});
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(n.value(), 0u);
  // Same id in another project is another event.
  Event other = MakeEvent("evt_aaaaaaaa", 1000);
  other.project_id = 2;
  EXPECT_EQ(s.Insert({other}).value(), 1u);
  EventQuery q;
  q.project_id = 1;
  auto rows = s.Query(q);
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->size(), 2u);
  EXPECT_EQ((*rows)[0].event_id, "evt_bbbbbbbb");  // newest first
  EXPECT_EQ((*rows)[1].name, "n");                 // the first copy kept
  std::filesystem::remove_all(dir);
}

TEST(SqliteEventStoreTest, MigratesAVersionTwoDatabaseKeepingItsEvents) {
  std::string dir = test::MakeTempDir("vigil-store");
  std::string path = dir + "/events.db";
  {
    SqliteDb db;
    ASSERT_TRUE(db.Open(path).ok());
    std::vector<std::string> v2(EventStoreMigrations().begin(), EventStoreMigrations().begin() + 2);
    ASSERT_TRUE(db.Migrate(v2, "events").ok());
    ASSERT_TRUE(db.Exec("INSERT INTO events(project_id, event_id, ts, received_at, type, name) VALUES"
                        "(1, 'old_event_1', 500, 501, 'custom', 'a'), (1, 'old_event_2', 700, 701, 'custom', 'b')")
                    .ok());
  }
  auto store = SqliteEventStore::Open(path);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  EXPECT_EQ(store.value()->Insert({MakeEvent("old_event_1", 500), MakeEvent("new_event_3", 900)}).value(), 1u);
  EventQuery q;
  q.project_id = 1;
  q.since = 600;
  auto rows = store.value()->Query(q);
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->size(), 2u);
  EXPECT_EQ((*rows)[0].event_id, "new_event_3");
  EXPECT_EQ((*rows)[1].event_id, "old_event_2");
  store.value().reset();
  SqliteDb db;
  ASSERT_TRUE(db.Open(path).ok());
  EXPECT_EQ(QueryInt(db, "PRAGMA user_version"), static_cast<int64_t>(EventStoreMigrations().size()));
  EXPECT_EQ(QueryInt(db, "SELECT COUNT(*) FROM sqlite_master WHERE name = 'events_by_ts_id'"), 1);
  EXPECT_EQ(QueryInt(db, "SELECT COUNT(*) FROM sqlite_master WHERE name IN ('events_by_event_id', 'events_by_ts')"), 0);
  std::filesystem::remove_all(dir);
}

// Waits up to 5 s for `pred`.
template <class Pred>
bool WaitFor(Pred pred) {
  for (int i = 0; i < 5000 && !pred(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  return pred();
}

uint64_t DirectoryBytes(const std::string& dir) {
  uint64_t total = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir)) total += e.file_size();
  return total;
}

// Enqueues `payload` and waits for its durable acknowledgement.
void EnqueueDurably(SqliteQueue& queue, const std::string& payload) {
  std::atomic<bool> acked{false};
  ASSERT_TRUE(queue.Enqueue(payload, [&](const Status& s) {
    EXPECT_TRUE(s.ok());
    acked = true;
  }));
  ASSERT_TRUE(WaitFor([&] { return acked.load(); }));
}

std::vector<QueueRecord> PollAll(SqliteQueue& queue) {
  std::vector<QueueRecord> all, records;
  do {
    EXPECT_TRUE(queue.Poll(64, std::chrono::milliseconds(50), &records).ok());
    all.insert(all.end(), records.begin(), records.end());
  } while (!records.empty());
  return all;
}

// 100 MiB through the queue at about 50 MiB/s while a consumer commits: the writer moves on to a
// new segment every 2 MiB, segments whose records are all committed are deleted, and every record
// arrives once, in order.
TEST(SqliteQueueTest, SegmentsRollAndConsumedOnesAreDeleted) {
  std::string dir = test::MakeTempDir("vigil-queue");
  SqliteQueueOptions opt;
  opt.path = dir + "/queue.db";
  opt.max_depth = 100000;
  opt.segment_bytes = 2 << 20;
  auto q = SqliteQueue::Open(opt);
  ASSERT_TRUE(q.ok()) << q.status().ToString();
  auto& queue = *q.value();
  const int kRecords = 1600;
  std::atomic<int> done{0};
  size_t most_segments = 0;
  std::thread consumer([&] {
    std::vector<QueueRecord> records;
    uint64_t expected = 1;
    int seen = 0;
    while (seen < kRecords) {
      ASSERT_TRUE(queue.Poll(64, std::chrono::milliseconds(200), &records).ok());
      for (const QueueRecord& r : records) {
        ASSERT_EQ(r.offset, expected++);
        ASSERT_EQ(r.payload.size(), 64u * 1024);
        ASSERT_EQ(r.payload[0], static_cast<char>('a' + (r.offset - 1) % 26));
      }
      if (records.empty()) continue;
      seen += static_cast<int>(records.size());
      queue.Commit(records.back().offset);
      most_segments = std::max(most_segments, queue.segment_count());
    }
  });
  for (int i = 0; i < kRecords; ++i) {
    const std::string payload(64 * 1024, static_cast<char>('a' + i % 26));
    while (!queue.Enqueue(payload, [&](const Status& s) {
      EXPECT_TRUE(s.ok());
      done++;
    })) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    if (i % 4 == 0) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  consumer.join();
  // The consumer goes on to the newest segment and commits; then only that one is left.
  EnqueueDurably(queue, "last");
  std::vector<QueueRecord> last = PollAll(queue);
  ASSERT_EQ(last.size(), 1u);
  EXPECT_EQ(last[0].offset, static_cast<uint64_t>(kRecords + 1));
  ASSERT_TRUE(queue.Commit(last[0].offset).ok());
  EXPECT_TRUE(WaitFor([&] { return queue.segment_count() == 1; })) << queue.segment_count();
  const uint64_t bytes = DirectoryBytes(queue.segment_dir());
  printf("[queue] at most %zu segments while 100 MiB went through (%lld made ahead); %.1f MiB on disk after\n",
         most_segments, static_cast<long long>(queue.segments_from_spare()), bytes / 1048576.0);
  EXPECT_GT(most_segments, 1u);
  EXPECT_GT(queue.segments_from_spare(), 10);  // records went through prepared segments too
  EXPECT_LT(most_segments, 20u);
  EXPECT_LT(bytes, 8u << 20);
  queue.Close();  // the writer has called every `done` when Close returns
  EXPECT_EQ(done.load(), kRecords);
  std::filesystem::remove_all(dir);
}

// A restart replays exactly the records after the stored commit offset, from several segments, and
// offsets go on from the highest ever given, also once everything is processed.
TEST(SqliteQueueTest, ARestartReplaysUncommittedRecordsAndNeverReusesOffsets) {
  std::string dir = test::MakeTempDir("vigil-queue-restart");
  SqliteQueueOptions opt;
  opt.path = dir + "/queue.db";
  opt.segment_bytes = 64 << 10;
  {
    auto q = SqliteQueue::Open(opt);
    ASSERT_TRUE(q.ok()) << q.status().ToString();
    for (int i = 1; i <= 300; ++i) EnqueueDurably(**q, std::to_string(i) + std::string(1000, '.'));
    EXPECT_GT((*q)->segment_count(), 3u);
    std::vector<QueueRecord> all = PollAll(**q);
    ASSERT_EQ(all.size(), 300u);
    ASSERT_TRUE((*q)->Commit(150).ok());
    EnqueueDurably(**q, "301");  // the commit offset is stored with this write
    EXPECT_EQ((*q)->Depth(), 151);
  }
  {
    auto q = SqliteQueue::Open(opt);
    ASSERT_TRUE(q.ok()) << q.status().ToString();
    EXPECT_EQ((*q)->Depth(), 151);
    std::vector<QueueRecord> again = PollAll(**q);
    ASSERT_EQ(again.size(), 151u);
    for (size_t i = 0; i < again.size(); ++i) {
      EXPECT_EQ(again[i].offset, 151 + i);
      EXPECT_EQ(again[i].payload.substr(0, again[i].payload.find('.')), std::to_string(151 + i));
    }
    ASSERT_TRUE((*q)->Commit(301).ok());
    ASSERT_TRUE(WaitFor([&] { return (*q)->Depth() == 0; }));
    EnqueueDurably(**q, "302");
    ASSERT_TRUE((*q)->Commit(302).ok());
    EnqueueDurably(**q, "303");
    ASSERT_TRUE((*q)->Commit(303).ok());
    EXPECT_TRUE(WaitFor([&] { return (*q)->segment_count() == 1; })) << (*q)->segment_count();
  }
  {
    auto q = SqliteQueue::Open(opt);
    ASSERT_TRUE(q.ok()) << q.status().ToString();
    EXPECT_EQ((*q)->Depth(), 0);
    EXPECT_TRUE(PollAll(**q).empty());
    EnqueueDurably(**q, "304");
    std::vector<QueueRecord> next = PollAll(**q);
    ASSERT_EQ(next.size(), 1u);
    EXPECT_EQ(next[0].offset, 304u);
    EXPECT_EQ(next[0].payload, "304");
  }
  std::filesystem::remove_all(dir);
}

// A queue.db of an earlier version (one file, 16 KiB pages, processed records deleted) is read
// first; offsets go on after its AUTOINCREMENT sequence; it is deleted once all is processed.
TEST(SqliteQueueTest, ReadsAndRetiresAQueueOfAnEarlierVersion) {
  std::string dir = test::MakeTempDir("vigil-queue-legacy");
  SqliteQueueOptions opt;
  opt.path = dir + "/queue.db";
  {
    SqliteDb old;
    ASSERT_TRUE(old.Open(opt.path, "NORMAL", 16384).ok());
    ASSERT_TRUE(old.Exec("CREATE TABLE queue(offset INTEGER PRIMARY KEY AUTOINCREMENT, payload BLOB NOT NULL, "
                         "enqueued_at INTEGER NOT NULL); INSERT INTO queue(payload, enqueued_at) VALUES('a', 1), "
                         "('b', 1), ('c', 1); DELETE FROM queue WHERE offset = 1; PRAGMA user_version=1;").ok());
  }
  {
    auto q = SqliteQueue::Open(opt);
    ASSERT_TRUE(q.ok()) << q.status().ToString();
    EXPECT_EQ((*q)->Depth(), 2);
    EnqueueDurably(**q, "d");
    std::vector<QueueRecord> records = PollAll(**q);
    ASSERT_EQ(records.size(), 3u);
    EXPECT_EQ(records[0].offset, 2u);
    EXPECT_EQ(records[0].payload, "b");
    EXPECT_EQ(records[1].payload, "c");
    EXPECT_EQ(records[2].offset, 4u);
    EXPECT_EQ(records[2].payload, "d");
    EXPECT_TRUE(std::filesystem::exists(opt.path));
    ASSERT_TRUE((*q)->Commit(4).ok());
    EXPECT_TRUE(WaitFor([&] { return !std::filesystem::exists(opt.path); }));
    EnqueueDurably(**q, "e");
    (*q)->Close();
  }
  auto q = SqliteQueue::Open(opt);
  ASSERT_TRUE(q.ok()) << q.status().ToString();
  std::vector<QueueRecord> records = PollAll(**q);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].offset, 5u);
  EXPECT_EQ(records[0].payload, "e");
  std::filesystem::remove_all(dir);
}

// 100 MiB written through a connection with a SqliteCheckpointer, as the event store uses it: the
// background passes copy the WAL into the database and the writer's hand-over lets it start over,
// so the WAL file stays far below what went through it.
TEST(SqliteCheckpointerTest, BackgroundPassesBoundTheWal) {
  std::string dir = test::MakeTempDir("vigil-ck-wal");
  const std::string path = dir + "/db";
  SqliteDb db;
  ASSERT_TRUE(db.Open(path, "NORMAL", 4096).ok());
  ASSERT_TRUE(db.Exec("CREATE TABLE t(id INTEGER PRIMARY KEY, v BLOB)").ok());
  SqliteCheckpointer ck;
  ASSERT_TRUE(ck.Start(&db, path, "NORMAL", 4 << 20, "vigil-test-ck").ok());
  auto ins = db.Prepare("INSERT INTO t(v) VALUES(?)");
  ASSERT_TRUE(ins.ok());
  auto del = db.Prepare("DELETE FROM t WHERE id <= ?");
  ASSERT_TRUE(del.ok());
  const std::string blob(64 * 1024, 'x');
  for (int i = 1; i <= 1600; ++i) {
    if (ck.PassFinished()) ck.Complete(&db);
    ASSERT_TRUE(db.Exec("BEGIN").ok());
    ASSERT_TRUE(ins->BindBlob(1, blob).Run().ok());
    ASSERT_TRUE(del->Bind(1, int64_t{i - 8}).Run().ok());
    ASSERT_TRUE(db.Exec("COMMIT").ok());
    if (i % 4 == 0) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  const auto wal = std::filesystem::file_size(path + "-wal");
  printf("[checkpointer] WAL file %.1f MiB after 100 MiB written, %lld background passes\n", wal / 1048576.0,
         static_cast<long long>(ck.passes()));
  EXPECT_LT(wal, 40u << 20);
  EXPECT_GT(ck.passes(), 2);
  ck.Stop();
  std::filesystem::remove_all(dir);
}

// The checkpoint threshold is a WAL size, whatever the page size: with pages counted directly, a
// 4 KiB-page queue checkpointed every 1 MiB and inline past 16 MiB (a commit-latency regression).
TEST(SqliteCheckpointerTest, ThresholdIsBytesInTheDatabasesPages) {
  std::string dir = test::MakeTempDir("vigil-ck");
  for (int page_size : {4096, 16384}) {
    SqliteDb db;
    std::string path = dir + "/db" + std::to_string(page_size);
    ASSERT_TRUE(db.Open(path, "NORMAL", page_size).ok());
    ASSERT_TRUE(db.Exec("CREATE TABLE t(x)").ok());
    SqliteCheckpointer ck;
    ASSERT_TRUE(ck.Start(&db, path, "NORMAL", 4 << 20, "vigil-test-ck").ok());
    EXPECT_EQ(ck.threshold_pages(), (4 << 20) / page_size) << page_size;
    ck.Stop();
  }
  std::filesystem::remove_all(dir);
}

// Deleting the newest project must not hand its id (or its issues' ids) to the next project: the
// processor caches "project/fingerprint -> issue id" and would stamp the new project's events with
// a deleted issue.
TEST(SqliteMetaStoreTest, ProjectAndIssueIdsAreNeverReused) {
  std::string dir = test::MakeTempDir("vigil-meta");
  auto meta = SqliteMetaStore::Open(dir + "/meta.db");
  ASSERT_TRUE(meta.ok()) << meta.status().ToString();
  auto& m = *meta.value();
  auto a = m.CreateProject("a");
  auto b = m.CreateProject("b");
  ASSERT_TRUE(a.ok() && b.ok());
  IssueObservation o;
  o.project_id = b->id;
  o.fingerprint = "fp-1";
  o.title = "TypeError";
  o.ts = 1000;
  auto issue_b = m.EnsureIssue(o);
  ASSERT_TRUE(issue_b.ok()) << issue_b.status().ToString();
  ASSERT_TRUE(m.DeleteProject(b->id).ok());
  auto c = m.CreateProject("c");
  ASSERT_TRUE(c.ok());
  EXPECT_GT(c->id, b->id);
  o.project_id = c->id;
  auto issue_c = m.EnsureIssue(o);
  ASSERT_TRUE(issue_c.ok());
  EXPECT_GT(issue_c.value(), issue_b.value());
  auto recorded = m.RecordIssueEvents({o});
  ASSERT_TRUE(recorded.ok());
  EXPECT_EQ(recorded.value().at(0), issue_c.value());
  // The floors survive a restart.
  meta.value().reset();
  auto again = SqliteMetaStore::Open(dir + "/meta.db");
  ASSERT_TRUE(again.ok());
  ASSERT_TRUE(again.value()->DeleteProject(c->id).ok());
  auto d = again.value()->CreateProject("d");
  ASSERT_TRUE(d.ok());
  EXPECT_GT(d->id, c->id);
  std::filesystem::remove_all(dir);
}

// Background threads give way to the threads that acknowledge requests: the nice value of the
// calling thread (only) goes up by kBackgroundNice.
TEST(ThreadPriorityTest, LowersOnlyTheCallingThread) {
  auto nice_of = [](pid_t tid) { return getpriority(PRIO_PROCESS, static_cast<id_t>(tid)); };
  pid_t main_tid = static_cast<pid_t>(syscall(SYS_gettid));
  int before = nice_of(main_tid);
  int inside = 0;
  std::thread([&] {
    LowerThreadPriority();
    inside = nice_of(static_cast<pid_t>(syscall(SYS_gettid)));
  }).join();
  EXPECT_EQ(inside, std::min(before + kBackgroundNice, 19));
  EXPECT_EQ(nice_of(main_tid), before);
}

}  // namespace
}  // namespace vigil
