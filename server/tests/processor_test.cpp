// The process stage across a crash: records replayed after a restart are stored, counted on their
// issues and aggregated into the rollups exactly once, whether the crash came after the counts
// were written (they must not count twice) or before the rollups were written (they must not be
// lost). Real SQLite stores, the real queue and the real steps; a "crash" is the processor and
// steps going away without the queue commit (or without the rollup flush).
#include <gtest/gtest.h>

#include <filesystem>
#include <future>
#include <thread>

#include "common/clock.h"
#include "grouping/grouping_step.h"
#include "pipeline/processor.h"
#include "rollup/rollup_step.h"
#include "rollup/rollup_views.h"
#include "rollup/sqlite_rollup_store.h"
#include "store/sqlite/sqlite_event_store.h"
#include "store/sqlite/sqlite_meta_store.h"
#include "store/sqlite/sqlite_queue.h"
#include "test_support.h"

namespace vigil {
namespace {

// Forwards to the real queue but drops commits: the process dies after its stores were written and
// before the queue learnt of it.
class NoCommitQueue : public Queue {
 public:
  explicit NoCommitQueue(Queue* q) : q_(q) {}
  bool Enqueue(std::string payload, Done done) override { return q_->Enqueue(std::move(payload), std::move(done)); }
  Status Poll(size_t n, std::chrono::milliseconds t, std::vector<QueueRecord>* out) override { return q_->Poll(n, t, out); }
  Status Commit(uint64_t) override { return Status::Ok(); }
  int64_t Depth() const override { return q_->Depth(); }
  void Close() override { q_->Close(); }

 private:
  Queue* q_;
};

class ProcessorReplayTest : public ::testing::Test {
 protected:
  static constexpr int kRecords = 30, kPerRecord = 10;
  static constexpr int kEvents = kRecords * kPerRecord;

  void SetUp() override {
    dir_ = test::MakeTempDir("vigil-processor");
    ASSERT_FALSE(dir_.empty());
    OpenStores();
    auto p = meta_->CreateProject("replay");
    ASSERT_TRUE(p.ok());
    pid_ = p->id;
    // Error events of 3 kinds, one per event id, within the last minutes.
    int64_t now = NowMs();
    for (int r = 0; r < kRecords; ++r) {
      NormalizedBatch b;
      b.project_id = pid_;
      b.received_at = now;
      for (int i = 0; i < kPerRecord; ++i) {
        Event e;
        e.project_id = pid_;
        e.event_id = "ev" + std::to_string(r * kPerRecord + i);
        e.type = EventType::kError;
        e.name = "js";
        e.message = "TypeError: failure " + std::string(1, char('A' + (i % 3)));
        e.ts = now - 120000 + r * 100 + i;
        e.received_at = now;
        e.uid = "u" + std::to_string(i);
        b.events.push_back(std::move(e));
      }
      std::promise<Status> done;
      ASSERT_TRUE(queue_->Enqueue(EncodeBatch(b), [&](const Status& s) { done.set_value(s); }));
      ASSERT_TRUE(done.get_future().get().ok());
    }
  }
  void TearDown() override {
    CloseStores();
    std::filesystem::remove_all(dir_);
  }
  void OpenStores() {
    SqliteQueueOptions qo;
    qo.path = dir_ + "/queue.db";
    auto q = SqliteQueue::Open(qo);
    auto e = SqliteEventStore::Open(dir_ + "/events.db");
    auto m = SqliteMetaStore::Open(dir_ + "/meta.db");
    auto r = SqliteRollupStore::Open(dir_ + "/rollups.db");
    ASSERT_TRUE(q.ok() && e.ok() && m.ok() && r.ok());
    queue_ = std::move(q.value());
    events_ = std::move(e.value());
    meta_ = std::move(m.value());
    rollups_ = std::move(r.value());
  }
  void CloseStores() {
    if (queue_) queue_->Close();
    queue_.reset();
    events_.reset();
    meta_.reset();
    rollups_.reset();
  }

  // Runs a processor over `queue` until every record is stored and the queue is idle, then stops
  // it. `flush` writes the rollups at the end (a crash without it loses what they held).
  void Run(Queue* queue, int64_t flush_interval_ms, bool flush, uint64_t* replayed_skipped = nullptr) {
    GroupingStep grouping(meta_.get());
    RollupOptions ro;
    ro.flush_interval_ms = flush_interval_ms;
    RollupStep rollup(rollups_.get(), ro);
    Processor processor(queue, events_.get(), {&grouping, &rollup}, {});
    processor.Start();
    for (int i = 0; i < 200 && StoredEvents() < kEvents; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    std::this_thread::sleep_for(std::chrono::milliseconds(500));  // an idle cycle or two
    processor.Stop(std::chrono::milliseconds(0));
    if (flush) ASSERT_TRUE(rollup.Flush().ok());
    if (replayed_skipped) *replayed_skipped = rollup.stats().replayed_skipped;
  }
  int64_t StoredEvents() {
    EventQuery q;
    q.project_id = pid_;
    q.limit = 100000;
    int64_t n = 0;
    EXPECT_TRUE(events_->Scan(q, [&](const Event&) { return ++n, true; }).ok());
    return n;
  }
  int64_t IssueCounts() {
    IssueQuery q;
    q.project_id = pid_;
    auto issues = meta_->ListIssues(q);
    EXPECT_TRUE(issues.ok());
    int64_t n = 0;
    for (const Issue& i : *issues) n += i.count;
    return n;
  }
  int64_t RolledUpErrors() {
    RollupQuery q;
    q.project_id = pid_;
    q.from_minute = NowMs() / 60000 - 60;
    q.to_minute = NowMs() / 60000 + 2;
    q.filters = {{RollupDim::kType, {"error"}}};
    EXPECT_TRUE(SelectRollupView(&q).ok());
    auto r = rollups_->Query(q);
    EXPECT_TRUE(r.ok());
    return r.ok() && !r->rows.empty() ? static_cast<int64_t>(r->rows[0].count) : 0;
  }

  std::string dir_;
  int64_t pid_ = 0;
  std::unique_ptr<SqliteQueue> queue_;
  std::unique_ptr<SqliteEventStore> events_;
  std::unique_ptr<SqliteMetaStore> meta_;
  std::unique_ptr<SqliteRollupStore> rollups_;
};

TEST_F(ProcessorReplayTest, CountsWrittenBeforeTheCrashAreNotCountedAgain) {
  {
    NoCommitQueue no_commit(queue_.get());
    Run(&no_commit, 100, /*flush=*/true);
  }
  ASSERT_EQ(StoredEvents(), kEvents);
  ASSERT_EQ(IssueCounts(), kEvents);
  ASSERT_EQ(RolledUpErrors(), kEvents);
  // Restart: every record comes again (none was committed).
  CloseStores();
  OpenStores();
  EXPECT_EQ(queue_->Depth(), kRecords);
  uint64_t skipped = 0;
  Run(queue_.get(), 100, true, &skipped);
  EXPECT_EQ(skipped, static_cast<uint64_t>(kEvents)) << "the rollups skipped the replayed records";
  EXPECT_EQ(StoredEvents(), kEvents);
  EXPECT_EQ(IssueCounts(), kEvents) << "issue counters counted the replay again";
  EXPECT_EQ(RolledUpErrors(), kEvents) << "rollups counted the replay again";
  EXPECT_EQ(queue_->Depth(), 0);
}

TEST_F(ProcessorReplayTest, AggregatesLostInTheCrashAreRebuiltFromTheQueue) {
  // The rollups never flush before the crash: the queue must not be committed past their records.
  Run(queue_.get(), int64_t{1} << 40, /*flush=*/false);
  ASSERT_EQ(StoredEvents(), kEvents);
  ASSERT_EQ(IssueCounts(), kEvents);
  ASSERT_EQ(RolledUpErrors(), 0);
  CloseStores();
  OpenStores();
  EXPECT_EQ(queue_->Depth(), kRecords) << "committed past aggregates that were only in memory";
  Run(queue_.get(), 100, true);
  EXPECT_EQ(StoredEvents(), kEvents);
  EXPECT_EQ(IssueCounts(), kEvents) << "issue counters counted the replay again";
  EXPECT_EQ(RolledUpErrors(), kEvents) << "rollup aggregates lost in the crash";
  EXPECT_EQ(queue_->Depth(), 0);
}

}  // namespace
}  // namespace vigil
