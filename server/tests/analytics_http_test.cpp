// Analytics endpoints end to end: events in, rollups and scans out.
#include <gtest/gtest.h>

#include <simdjson.h>

#include "common/clock.h"
#include "query/analytics_api.h"
#include "test_support.h"

namespace vigil {
namespace {

class AnalyticsHttpTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    server_ = new test::ServerProcess();
    ASSERT_TRUE(server_->Start({"--rate-limit", "0"})) << server_->Log();
    std::tie(pid_, key_) = server_->CreateProject("analytics");
    token_ = server_->CreateToken();
    int64_t now = NowMs();
    auto ts = [&](int i) { return std::to_string(now - 60000 + i * 100); };
    std::string ev;
    auto add = [&](const std::string& e) { ev += (ev.empty() ? "" : ",") + e; };
    // 10 page views by 4 users in 5 sessions, 2 errors in 1 session, LCP values 100..1000.
    for (int i = 0; i < 10; ++i) {
      add("{\"type\":\"pageview\",\"ts\":" + ts(i) + ",\"url\":\"https://shop.example.com/p" + std::to_string(i % 2) +
          "\",\"uid\":\"u" + std::to_string(i % 4) + "\",\"sid\":\"s" + std::to_string(i % 5) + "\"}");
      add("{\"type\":\"vital\",\"name\":\"LCP\",\"value\":" + std::to_string((i + 1) * 100) + ",\"ts\":" + ts(i) +
          ",\"url\":\"https://shop.example.com/p0\",\"uid\":\"u1\",\"sid\":\"s1\"}");
    }
    for (int i = 0; i < 2; ++i) {
      add("{\"type\":\"error\",\"name\":\"js\",\"message\":\"Error: boom\",\"ts\":" + ts(20 + i) +
          ",\"url\":\"https://shop.example.com/p0\",\"uid\":\"u1\",\"sid\":\"s1\"}");
    }
    add("{\"type\":\"http\",\"name\":\"GET\",\"url\":\"https://api.example.com/items/42\",\"status\":500,\"duration\":120,\"ts\":" + ts(30) + "}");
    add("{\"type\":\"http\",\"name\":\"GET\",\"url\":\"https://api.example.com/items/7\",\"status\":200,\"duration\":80,\"ts\":" + ts(31) + "}");
    add("{\"type\":\"click\",\"name\":\"button.buy\",\"text\":\"Buy\",\"ts\":" + ts(32) + ",\"uid\":\"u2\",\"sid\":\"s2\"}");
    add("{\"type\":\"custom\",\"name\":\"checkout\",\"props\":{\"plan\":\"pro\"},\"ts\":" + ts(33) + ",\"uid\":\"u2\",\"sid\":\"s2\"}");
    add("{\"type\":\"route\",\"url\":\"https://shop.example.com/cart\",\"from\":\"https://shop.example.com/p1\",\"duration\":4200,"
        "\"referrer\":\"https://shop.example.com/p1\",\"ts\":" + ts(34) + ",\"uid\":\"u2\",\"sid\":\"s2\"}");
    // Resources: one slow image loaded twice, one script that failed.
    for (int i = 0; i < 2; ++i) {
      add("{\"type\":\"resource\",\"name\":\"img\",\"url\":\"https://cdn.example.com/hero.jpg\",\"duration\":" +
          std::to_string(2000 + i * 400) + ",\"ts\":" + ts(36 + i) + "}");
    }
    add("{\"type\":\"resource\",\"name\":\"script\",\"url\":\"https://cdn.example.com/app.js\",\"failed\":true,\"duration\":0,\"ts\":" +
        ts(38) + "}");
    add("{\"type\":\"route\",\"url\":\"https://shop.example.com/p1\",\"from\":\"https://shop.example.com/cart\",\"exit\":true,"
        "\"duration\":1500,\"ts\":" + ts(39) + ",\"uid\":\"u2\",\"sid\":\"s2\"}");
    add("{\"type\":\"custom\",\"name\":\"checkout\",\"props\":{\"plan\":\"free\",\"seats\":3},\"ts\":" + ts(40) +
        ",\"uid\":\"u3\",\"sid\":\"s3\"}");
    add("{\"type\":\"vital\",\"name\":\"navigation\",\"value\":900,\"timing\":{\"dns\":10,\"tcp\":20,\"tls\":5,\"request\":50,"
        "\"response\":30,\"domReady\":400,\"load\":900},\"ts\":" + ts(35) + "}");
    test::HttpClient c(server_->port());
    auto r = c.Request("POST", "/api/" + std::to_string(pid_) + "/events?key=" + key_, "{\"events\":[" + ev + "]}",
                       {{"Content-Type", "text/plain"}});
    ASSERT_EQ(r.status, 204) << r.body;
  }
  static void TearDownTestSuite() { delete server_; }

  std::string Get(const std::string& path) {
    test::HttpClient c(server_->port());
    return c.Request("GET", "/api/v1/projects/" + std::to_string(pid_) + path, "", {{"Authorization", "Bearer " + token_}}).body;
  }
  // Rollups are written every 5 s: poll.
  std::string WaitFor(const std::string& path, const std::string& needle) {
    std::string body;
    for (int i = 0; i < 150; ++i) {
      body = Get(path);
      if (body.find(needle) != std::string::npos) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return body;
  }
  static test::ServerProcess* server_;
  static int64_t pid_;
  static std::string key_, token_;
};

test::ServerProcess* AnalyticsHttpTest::server_ = nullptr;
int64_t AnalyticsHttpTest::pid_ = 0;
std::string AnalyticsHttpTest::key_, AnalyticsHttpTest::token_;

TEST_F(AnalyticsHttpTest, Overview) {
  std::string body = WaitFor("/overview", "\"pageviews\":10");
  simdjson::dom::parser p;
  simdjson::dom::element o = p.parse(body);
  EXPECT_EQ(int64_t(o["pageviews"]), 10) << body;
  EXPECT_EQ(int64_t(o["errors"]), 2);
  EXPECT_DOUBLE_EQ(double(o["error_rate"]), 0.2);
  EXPECT_EQ(int64_t(o["users"]), 4);
  EXPECT_EQ(int64_t(o["sessions"]), 5);
  EXPECT_DOUBLE_EQ(double(o["crash_free_sessions"]), 0.8);  // 1 of 5 sessions had an error
  double p75 = double(o["vitals"]["LCP"]["p75"]);
  EXPECT_NEAR(p75, 800, 8 + 100) << body;  // p75 of 100..1000 (sketch: 1% relative error; rank convention +-1 value)
  EXPECT_EQ(std::string_view(o["vitals"]["LCP"]["rating"]), "good");
  EXPECT_EQ(int64_t(o["previous"]["pageviews"]), 0);
  EXPECT_GE(simdjson::dom::array(o["series"]["pageviews"]).size(), 1u);
  EXPECT_EQ(std::string_view(o["source"]), "rollups");
  // Filters narrow it.
  std::string p1 = Get("/overview?path=/p1");
  EXPECT_NE(p1.find("\"pageviews\":5"), std::string::npos) << p1;
  // Rollups built from raw events answer the same (the request can ask for them)...
  std::string from_events = Get("/overview?source=events");
  ASSERT_NE(from_events.find("\"source\":\"events\""), std::string::npos) << from_events;
  body.replace(body.find("\"rollups\""), 9, "\"events\"");
  EXPECT_EQ(body.substr(body.find("\"pageviews\"")), from_events.substr(from_events.find("\"pageviews\"")));
  // ...and answer what the stored rollups lack: device is not a rollup dimension, and path combines
  // with release/environment only (rollup views).
  std::string device = Get("/overview?device=NoSuchDevice");
  EXPECT_NE(device.find("\"source\":\"events\""), std::string::npos) << device;
  EXPECT_NE(device.find("\"pageviews\":0,"), std::string::npos) << device;
  std::string cross = Get("/overview?path=/p1&os=NoSuchOs");
  EXPECT_NE(cross.find("\"source\":\"events\""), std::string::npos) << cross;
  EXPECT_NE(cross.find("\"pageviews\":0,"), std::string::npos) << cross;
  EXPECT_NE(Get("/overview?from=10&to=5").find("invalid_parameter"), std::string::npos);
}

TEST_F(AnalyticsHttpTest, Performance) {
  std::string body = WaitFor("/performance?metric=LCP", "\"count\":10");
  simdjson::dom::parser p;
  simdjson::dom::element o = p.parse(body);
  EXPECT_EQ(int64_t(o["count"]), 10) << body;
  double p50 = double(o["percentiles"]["p50"]), p99 = double(o["percentiles"]["p99"]);
  EXPECT_NEAR(p50, 550, 60) << body;
  EXPECT_NEAR(p99, 900, 10);  // lower-rank convention: the 9th of 10 values, within 1%
  EXPECT_EQ(std::string_view(o["by_page"].at(0)["path"]), "/p0");
  int64_t hist = 0;
  for (auto b : simdjson::dom::array(o["histogram"])) hist += int64_t(b["count"]);
  EXPECT_EQ(hist, 10);
  std::string nav = Get("/performance/navigation");
  EXPECT_NE(nav.find("\"dns\":10"), std::string::npos) << nav;
  EXPECT_NE(nav.find("\"dom_ready\":"), std::string::npos);
}

TEST_F(AnalyticsHttpTest, BehaviourAndApiHealth) {
  std::string pages = WaitFor("/behaviour/pages", "\"/p0\"");
  EXPECT_NE(pages.find("{\"path\":\"/p0\",\"views\":5"), std::string::npos) << pages;
  std::string flows = Get("/behaviour/flows");
  EXPECT_NE(flows.find("{\"from\":\"/p1\",\"to\":\"/cart\",\"count\":1}"), std::string::npos) << flows;
  EXPECT_NE(Get("/behaviour/clicks").find("{\"selector\":\"button.buy\",\"text\":\"Buy\",\"count\":1}"), std::string::npos);
  std::string custom = Get("/behaviour/custom");
  EXPECT_NE(custom.find("\"name\":\"checkout\",\"count\":2,\"users\":2"), std::string::npos) << custom;
  EXPECT_NE(custom.find("\"plan\":[{\"value\":\"free\",\"count\":1},{\"value\":\"pro\",\"count\":1}]"), std::string::npos) << custom;
  std::string timeline = Get("/behaviour/timeline?sid=s2");
  size_t click = timeline.find("\"type\":\"click\""), route = timeline.find("\"type\":\"route\"");
  ASSERT_NE(click, std::string::npos) << timeline;
  EXPECT_LT(click, route) << "oldest first";
  std::string api = Get("/api-health");
  EXPECT_NE(api.find("\"pattern\":\"api.example.com/items/:id\",\"count\":2,\"error_rate\":0.5"), std::string::npos) << api;
  EXPECT_NE(api.find("\"statuses\":{\"200\":1,\"500\":1}"), std::string::npos) << api;
}

// The breakdowns read the rollups' derived series; `source=events` reads raw events instead. On
// the same events both give the same answer (percentiles too: both merge the same sketch buckets).
TEST_F(AnalyticsHttpTest, BreakdownsFromRollupsMatchRawEvents) {
  WaitFor("/behaviour/custom", "\"count\":2");
  for (std::string path : {"/performance?metric=LCP", "/performance/navigation", "/performance/resources",
                           "/performance/long-tasks", "/behaviour/pages", "/behaviour/flows", "/behaviour/clicks",
                           "/behaviour/custom", "/api-health"}) {
    std::string rollups = Get(path), events = Get(path + (path.find('?') == std::string::npos ? "?" : "&") + "source=events");
    ASSERT_NE(rollups.find("\"source\":\"rollups\""), std::string::npos) << path << ": " << rollups;
    ASSERT_NE(events.find("\"source\":\"events\""), std::string::npos) << path << ": " << events;
    rollups.replace(rollups.find("\"rollups\""), 9, "\"events\"");
    EXPECT_EQ(rollups, events) << path;
  }
  std::string res = Get("/performance/resources");
  EXPECT_NE(res.find("{\"url\":\"https://cdn.example.com/hero.jpg\",\"type\":\"img\",\"count\":2,\"p75\":20"),
            std::string::npos) << res;
  EXPECT_NE(res.find("\"url\":\"https://cdn.example.com/app.js\",\"type\":\"script\",\"count\":1,\"p75\":0,\"failed\":1"),
            std::string::npos) << res;
  EXPECT_NE(Get("/behaviour/flows").find("{\"from\":\"/cart\",\"to\":\"(exit)\",\"count\":1}"), std::string::npos);
  std::string custom = Get("/behaviour/custom");
  EXPECT_NE(custom.find("\"seats\":[{\"value\":\"3\",\"count\":1}]"), std::string::npos) << custom;
  // The navigation count is the number of navigation events, the parts are their medians.
  std::string nav = Get("/performance/navigation");
  EXPECT_NE(nav.find("\"count\":1,\"dns\":10,\"tcp\":20"), std::string::npos) << nav;
  // Device is not a rollup dimension: such a filter reads raw events.
  EXPECT_NE(Get("/api-health?device=Other").find("\"source\":\"events\""), std::string::npos);
  test::HttpClient c(server_->port());
  auto bad = c.Request("GET", "/api/v1/projects/" + std::to_string(pid_) + "/api-health?source=cache", "",
                       {{"Authorization", "Bearer " + token_}});
  EXPECT_EQ(bad.status, 400) << bad.body;
  // Totals ignore the derived series: the overview still counts each event once.
  std::string overview = Get("/overview");
  EXPECT_NE(overview.find("\"pageviews\":10,"), std::string::npos) << overview;
}

TEST_F(AnalyticsHttpTest, IssueEventsAndTags) {
  std::string issues = WaitFor("/issues", "boom");
  size_t p = issues.find("\"id\":");
  ASSERT_NE(p, std::string::npos) << issues;
  std::string id = issues.substr(p + 5, issues.find(',', p) - p - 5);
  std::string events = Get("/issues/" + id + "/events");
  EXPECT_NE(events.find("\"message\":\"Error: boom\""), std::string::npos) << events;
  std::string tags = Get("/issues/" + id + "/tags");
  EXPECT_NE(tags.find("\"path\":[{\"value\":\"/p0\",\"count\":2}]"), std::string::npos) << tags;
}

TEST(RatingTest, WebVitalsThresholds) {
  struct C {
    const char* m;
    double v;
    const char* r;
  } cases[] = {{"LCP", 2500, "good"}, {"LCP", 2501, "needs-improvement"}, {"LCP", 4001, "poor"}, {"CLS", 0.1, "good"},
               {"CLS", 0.26, "poor"}, {"INP", 200, "good"},  {"INP", 201, "needs-improvement"}, {"TTFB", 1900, "poor"},
               {"FCP", 1800, "good"}, {"custom", 5, ""}};
  for (const auto& c : cases) EXPECT_EQ(AnalyticsApi::Rating(c.m, c.v), c.r) << c.m << " " << c.v;
}

}  // namespace
}  // namespace vigil
