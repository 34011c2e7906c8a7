// The embedded stores on their own: the event store's identity rule and schema migration, and the
// queue's page size and background checkpoints.
#include <gtest/gtest.h>

#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

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

// 100 MiB through the queue at about 50 MiB/s while a consumer commits: the background
// checkpointer keeps copying the WAL into queue.db and the WAL starts over, so the WAL file stays
// far below what went through it.
TEST(SqliteQueueTest, BackgroundCheckpointsBoundTheWal) {
  std::string dir = test::MakeTempDir("vigil-queue");
  SqliteQueueOptions opt;
  opt.path = dir + "/queue.db";
  opt.max_depth = 100000;
  auto q = SqliteQueue::Open(opt);
  ASSERT_TRUE(q.ok()) << q.status().ToString();
  auto& queue = *q.value();
  const std::string payload(64 * 1024, 'x');  // 100 MiB in 1600 records
  const int kRecords = 1600;
  std::atomic<int> done{0};
  std::thread consumer([&] {
    std::vector<QueueRecord> records;
    int seen = 0;
    while (seen < kRecords) {
      ASSERT_TRUE(queue.Poll(64, std::chrono::milliseconds(200), &records).ok());
      if (records.empty()) continue;
      seen += static_cast<int>(records.size());
      queue.Commit(records.back().offset);
    }
  });
  for (int i = 0; i < kRecords; ++i) {
    while (!queue.Enqueue(payload, [&](const Status& s) {
      EXPECT_TRUE(s.ok());
      done++;
    })) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    if (i % 4 == 0) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  consumer.join();
  auto wal = std::filesystem::file_size(opt.path + "-wal");
  printf("[queue] WAL file %.1f MiB after %d MiB of records, %lld background checkpoints\n", wal / 1048576.0,
         kRecords / 16, static_cast<long long>(queue.checkpoint_passes()));
  EXPECT_LT(wal, 40u << 20) << "WAL of " << wal << " bytes after 100 MiB of records";
  EXPECT_GT(queue.checkpoint_passes(), 2);
  queue.Close();  // the writer has called every `done` when Close returns
  EXPECT_EQ(done.load(), kRecords);
  SqliteDb db;
  ASSERT_TRUE(db.Open(opt.path).ok());
  EXPECT_EQ(QueryInt(db, "PRAGMA page_size"), 4096);
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

// Queues created by earlier versions (16 KiB pages) keep their page size and their records.
TEST(SqliteQueueTest, OpensAQueueWithOlderPageSize) {
  std::string dir = test::MakeTempDir("vigil-queue-pages");
  SqliteQueueOptions opt;
  opt.path = dir + "/queue.db";
  {
    SqliteDb old;
    ASSERT_TRUE(old.Open(opt.path, "NORMAL", 16384).ok());
    ASSERT_TRUE(old.Exec("CREATE TABLE queue(offset INTEGER PRIMARY KEY AUTOINCREMENT, payload BLOB NOT NULL, "
                         "enqueued_at INTEGER NOT NULL); INSERT INTO queue(payload, enqueued_at) VALUES('old', 1); "
                         "PRAGMA user_version=1;").ok());
  }
  auto q = SqliteQueue::Open(opt);
  ASSERT_TRUE(q.ok()) << q.status().ToString();
  std::vector<QueueRecord> records;
  ASSERT_TRUE(q.value()->Poll(10, std::chrono::milliseconds(100), &records).ok());
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].payload, "old");
  q.value()->Close();
  SqliteDb db;
  ASSERT_TRUE(db.Open(opt.path).ok());
  EXPECT_EQ(QueryInt(db, "PRAGMA page_size"), 16384);
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
