// Durability: load the real server, SIGKILL it mid-load, restart, and check that every event whose
// batch was acknowledged (2xx) is stored exactly once.
#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <set>
#include <unordered_map>

#include "common/clock.h"
#include "store/sqlite/sqlite_db.h"
#include "test_support.h"

namespace vigil {
namespace {

TEST(DurabilityTest, EveryAcknowledgedEventSurvivesSigkillExactlyOnce) {
  test::ServerProcess server;
  server.KeepDir();
  std::string dir = server.data_dir();
  // 1 MiB queue segments: the load goes through several, and the kill may come during a roll.
  ASSERT_TRUE(server.Start({"--rate-limit", "0", "--queue-segment-mb", "1"})) << server.Log();
  auto [pid, key] = server.CreateProject("durable");
  int port = server.port();

  std::mutex mu;
  std::vector<std::string> acked;
  std::atomic<bool> stop{false};
  std::atomic<int> sent_batches{0};
  auto worker = [&](int w) {
    test::HttpClient c(port);
    std::string target = "/api/" + std::to_string(pid) + "/events?key=" + key;
    for (int b = 0; !stop.load(); ++b) {
      std::vector<std::string> ids;
      std::string body = "{\"context\":{\"url\":\"https://shop.example.com/p\",\"uid\":\"u\"},\"events\":[";
      for (int i = 0; i < 20; ++i) {
        std::string id = "w" + std::to_string(w) + "_b" + std::to_string(b) + "_e" + std::to_string(i);
        ids.push_back(id);
        body += std::string(i ? "," : "") + "{\"type\":\"custom\",\"name\":\"load\",\"id\":\"" + id +
                "\",\"ts\":" + std::to_string(NowMs()) + ",\"props\":{\"i\":" + std::to_string(i) + "}}";
      }
      body += "]}";
      auto r = c.Request("POST", target, body, {{"Content-Type", "text/plain"}});
      sent_batches++;
      if (r.status == 204) {
        std::lock_guard<std::mutex> lock(mu);
        acked.insert(acked.end(), ids.begin(), ids.end());
      } else if (r.status < 0) {
        return;  // the server is gone
      }
    }
  };
  std::vector<std::thread> threads;
  for (int w = 0; w < 4; ++w) threads.emplace_back(worker, w);
  std::set<std::string> segments_seen;  // queue segment files seen during the load (watcher only)
  std::atomic<size_t> segments{0};
  std::thread watcher([&] {
    while (!stop.load()) {
      std::error_code ec;
      for (const auto& e : std::filesystem::directory_iterator(dir + "/queue", ec))
        if (e.path().extension() == ".db") segments_seen.insert(e.path().filename().string());
      segments = segments_seen.size();
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
  });
  // Let load build up, then kill without warning while requests are in flight.
  // (and until the queue has moved on to a second segment: then a crash leaves records in both)
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (sent_batches.load() < 400 || (segments.load() < 2 && std::chrono::steady_clock::now() < deadline))
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  EXPECT_EQ(server.Kill(SIGKILL), -SIGKILL);
  stop = true;
  for (auto& t : threads) t.join();
  watcher.join();
  EXPECT_GE(segments.load(), 2u) << "the load should have rolled the queue to a new segment";
  size_t acked_count;
  {
    std::lock_guard<std::mutex> lock(mu);
    acked_count = acked.size();
  }
  ASSERT_GT(acked_count, 1000u);

  ASSERT_TRUE(server.Start({"--rate-limit", "0", "--queue-segment-mb", "1"})) << server.Log();
  // Wait until the replayed queue is processed: every acknowledged id appears.
  SqliteDb db;
  ASSERT_TRUE(db.Open(dir + "/events.db").ok());
  std::unordered_map<std::string, int> counts;
  for (int attempt = 0; attempt < 200; ++attempt) {
    counts.clear();
    auto st = db.Prepare("SELECT event_id, COUNT(*) FROM events WHERE project_id = ? GROUP BY event_id");
    ASSERT_TRUE(st.ok()) << st.status().ToString();
    st->Bind(1, pid);
    while (true) {
      auto row = st->Step();
      ASSERT_TRUE(row.ok());
      if (!row.value()) break;
      counts[st->Text(0)] = static_cast<int>(st->Int(1));
    }
    size_t present = 0;
    for (const auto& id : acked) present += counts.count(id);
    if (present == acked_count) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  size_t missing = 0, duplicated = 0;
  for (const auto& id : acked) {
    auto it = counts.find(id);
    if (it == counts.end()) ++missing;
    else if (it->second != 1) ++duplicated;
  }
  EXPECT_EQ(missing, 0u) << "of " << acked_count << " acknowledged events";
  EXPECT_EQ(duplicated, 0u);
  printf("[durability] acknowledged %zu events before SIGKILL; stored after restart: %zu distinct (missing %zu, duplicated %zu)\n",
         acked_count, counts.size(), missing, duplicated);
  EXPECT_EQ(server.Kill(SIGTERM), 0);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace vigil
