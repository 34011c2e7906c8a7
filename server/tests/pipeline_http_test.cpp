// The process stage through the real binary: enrichment from the User-Agent header, settings
// edited through the API, filtered events counted per project and reason, scrubbing, quotas.
#include <gtest/gtest.h>

#include "common/clock.h"
#include "store/sqlite/sqlite_db.h"
#include "test_support.h"

namespace vigil {
namespace {

constexpr const char* kChromeUa =
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";
constexpr const char* kBotUa = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)";

class PipelineHttpTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(server_.Start({"--rate-limit", "0"})) << server_.Log();
    std::tie(pid_, key_) = server_.CreateProject("pipe");
    token_ = server_.CreateToken();
  }
  int Send(const std::string& events, const char* ua = kChromeUa, const std::string& context = "") {
    test::HttpClient c(server_.port());
    std::string body = "{\"context\":{\"url\":\"https://shop.example.com/p\"" + context + "},\"events\":[" + events + "]}";
    return c.Request("POST", "/api/" + std::to_string(pid_) + "/events?key=" + key_, body,
                     {{"Content-Type", "text/plain"}, {"User-Agent", ua}})
        .status;
  }
  test::ClientResponse Api(const std::string& method, const std::string& path, const std::string& body = "") {
    test::HttpClient c(server_.port());
    return c.Request(method, "/api/v1/projects/" + std::to_string(pid_) + path, body,
                     {{"Authorization", "Bearer " + token_}, {"Content-Type", "application/json"}});
  }
  std::string WaitFor(const std::string& path, const std::string& needle) {
    std::string body;
    for (int i = 0; i < 100; ++i) {
      body = Api("GET", path).body;
      if (body.find(needle) != std::string::npos) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(30));
    }
    return body;
  }
  static std::string Custom(const std::string& id, const std::string& extra = "") {
    return "{\"type\":\"custom\",\"name\":\"x\",\"id\":\"" + id + "\",\"ts\":" + std::to_string(NowMs()) + extra + "}";
  }
  test::ServerProcess server_;
  int64_t pid_ = 0;
  std::string key_, token_;
};

TEST_F(PipelineHttpTest, EnrichesFiltersAndCounts) {
  // Defaults: bots are filtered, browsers parsed.
  ASSERT_EQ(Send(Custom("from_chrome_1")), 204);
  ASSERT_EQ(Send(Custom("from_bot_0001"), kBotUa), 204);
  std::string events = WaitFor("/events?limit=10", "from_chrome_1");
  EXPECT_NE(events.find("\"browser\":\"Chrome\""), std::string::npos) << events;
  EXPECT_NE(events.find("\"browser_version\":\"131.0\""), std::string::npos);
  EXPECT_NE(events.find("\"os\":\"Windows\""), std::string::npos);
  EXPECT_EQ(events.find("client_ip"), std::string::npos) << "IP policy drop is the default";
  std::string stats = WaitFor("/stats/filtered", "\"bot\":1");
  EXPECT_NE(stats.find("\"bot\":1"), std::string::npos) << stats;
  EXPECT_EQ(events.find("from_bot_0001"), std::string::npos);

  // Configure: deny an environment, keep anonymized IPs, an extra scrub key.
  auto put = Api("PUT", "/settings", R"({"filters":{"deny_environments":["staging"]},"ip_policy":"anonymize","scrub_keys":["coupon"]})");
  ASSERT_EQ(put.status, 200) << put.body;
  EXPECT_NE(put.body.find("\"deny_environments\":[\"staging\"]"), std::string::npos);
  EXPECT_EQ(Api("PUT", "/settings", R"({"filters":{"bots":"maybe"}})").status, 400);
  EXPECT_NE(Api("GET", "/settings").body.find("\"ip_policy\":\"anonymize\""), std::string::npos);
  ASSERT_EQ(Send(Custom("staging_evt_1"), kChromeUa, ",\"environment\":\"staging\""), 204);
  ASSERT_EQ(Send(Custom("prod_evt_0001", ",\"props\":{\"coupon\":\"SAVE50\",\"password\":\"pw\"}"), kChromeUa,
                 ",\"environment\":\"production\""),
            204);
  events = WaitFor("/events?limit=10", "prod_evt_0001");
  EXPECT_NE(events.find("\"client_ip\":\"127.0.0.0\""), std::string::npos) << events;
  EXPECT_EQ(events.find("SAVE50"), std::string::npos) << events;
  EXPECT_EQ(events.find("\"pw\""), std::string::npos) << events;
  EXPECT_EQ(events.find("staging_evt_1"), std::string::npos);
  stats = WaitFor("/stats/filtered", "environment_denied");
  EXPECT_NE(stats.find("\"environment_denied\":1"), std::string::npos) << stats;
  EXPECT_NE(stats.find("\"total\":2"), std::string::npos) << stats;
  test::HttpClient c(server_.port());
  std::string metrics = c.Request("GET", "/metrics").body;
  EXPECT_NE(metrics.find("vigil_events_filtered_total{reason=\"bot\"} 1"), std::string::npos);
  EXPECT_NE(metrics.find("vigil_events_filtered_total{reason=\"environment_denied\"} 1"), std::string::npos);
}

TEST_F(PipelineHttpTest, ProjectDailyQuotaAnswers429) {
  ASSERT_EQ(Api("PUT", "/settings", R"({"quotas":{"daily":25}})").status, 200);
  std::string twenty;
  for (int i = 0; i < 20; ++i) twenty += std::string(i ? "," : "") + Custom("q_" + std::to_string(i) + "_xxxxxx");
  EXPECT_EQ(Send(twenty), 204);
  test::HttpClient c(server_.port());
  std::string body = "{\"events\":[" + twenty + "]}";
  auto r = c.Request("POST", "/api/" + std::to_string(pid_) + "/events?key=" + key_, body, {{"Content-Type", "text/plain"}});
  // The limiter reads settings when a project's bucket is created or refreshed (every 5 s): the
  // bucket was created by the first request, after the PUT, so the daily cap applies.
  EXPECT_EQ(r.status, 429) << r.body;
  EXPECT_NE(r.body.find("daily"), std::string::npos);
  EXPECT_GE(std::atoi(r.Header("retry-after").c_str()), 1);
  std::string metrics = c.Request("GET", "/metrics").body;
  EXPECT_NE(metrics.find("vigil_events_rate_limited_total{limit=\"daily\"} 20"), std::string::npos) << metrics;
}

TEST(TrustedProxyTest, ForwardedForIsBelievedOnlyFromTrustedPeers) {
  for (bool trust : {true, false}) {
    test::ServerProcess server;
    std::vector<std::string> flags = {"--rate-limit", "0"};
    if (trust) flags.insert(flags.end(), {"--trusted-proxies", "127.0.0.0/8"});
    ASSERT_TRUE(server.Start(flags)) << server.Log();
    auto [pid, key] = server.CreateProject("proxied");
    std::string token = server.CreateToken();
    test::HttpClient c(server.port());
    std::string base = "/api/v1/projects/" + std::to_string(pid);
    ASSERT_EQ(c.Request("PUT", base + "/settings", R"({"ip_policy":"keep"})",
                        {{"Authorization", "Bearer " + token}, {"Content-Type", "application/json"}}).status, 200);
    std::string body = "{\"events\":[{\"type\":\"custom\",\"name\":\"x\",\"ts\":" + std::to_string(NowMs()) + "}]}";
    ASSERT_EQ(c.Request("POST", "/api/" + std::to_string(pid) + "/events?key=" + key, body,
                        {{"Content-Type", "text/plain"}, {"X-Forwarded-For", "203.0.113.9, 127.0.0.1"}})
                  .status,
              204);
    std::string expected = trust ? "\"client_ip\":\"203.0.113.9\"" : "\"client_ip\":\"127.0.0.1\"";
    std::string events;
    for (int i = 0; i < 100 && events.find("client_ip") == std::string::npos; ++i) {
      events = c.Request("GET", base + "/events", "", {{"Authorization", "Bearer " + token}}).body;
      std::this_thread::sleep_for(std::chrono::milliseconds(30));
    }
    EXPECT_NE(events.find(expected), std::string::npos) << (trust ? "trusted: " : "untrusted: ") << events;
  }
}

TEST(ProjectDeleteTest, DeletingAProjectDeletesItsEvents) {
  test::ServerProcess server;
  ASSERT_TRUE(server.Start({"--rate-limit", "0"})) << server.Log();
  auto [pid, key] = server.CreateProject("doomed");
  std::string token = server.CreateToken();
  test::HttpClient c(server.port());
  std::string body = "{\"events\":[{\"type\":\"custom\",\"name\":\"x\",\"ts\":" + std::to_string(NowMs()) + "}]}";
  ASSERT_EQ(c.Request("POST", "/api/" + std::to_string(pid) + "/events?key=" + key, body, {{"Content-Type", "text/plain"}}).status, 204);
  std::string base = "/api/v1/projects/" + std::to_string(pid);
  std::vector<std::pair<std::string, std::string>> auth = {{"Authorization", "Bearer " + token}};
  std::string events;
  for (int i = 0; i < 100 && events.find("\"custom\"") == std::string::npos; ++i) {
    events = c.Request("GET", base + "/events", "", auth).body;
    std::this_thread::sleep_for(std::chrono::milliseconds(30));
  }
  ASSERT_NE(events.find("\"custom\""), std::string::npos);
  EXPECT_EQ(c.Request("DELETE", base, "", auth).status, 204);
  EXPECT_EQ(c.Request("GET", base + "/events", "", auth).status, 404);
  EXPECT_EQ(c.Request("POST", "/api/" + std::to_string(pid) + "/events?key=" + key, body, {{"Content-Type", "text/plain"}}).status, 401);
  SqliteDb db;
  ASSERT_TRUE(db.Open(server.data_dir() + "/events.db").ok());
  auto st = db.Prepare("SELECT COUNT(*) FROM events WHERE project_id = ?");
  ASSERT_TRUE(st.ok());
  st->Bind(1, pid);
  ASSERT_TRUE(st->Step().ok());
  EXPECT_EQ(st->Int(0), 0);
}

}  // namespace
}  // namespace vigil
