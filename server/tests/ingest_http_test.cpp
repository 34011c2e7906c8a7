// Integration: the real `vigil` binary on a free port. Bad inputs get the documented status and
// reason, every response has Date and Server-Timing, accepted events come back through the API.
#include <gtest/gtest.h>

#include <chrono>

#include "common/clock.h"
#include "ingest/gzip.h"
#include "test_support.h"

namespace vigil {
namespace {

using test::ClientResponse;
using test::HttpClient;
using test::ServerProcess;

std::string Now() { return std::to_string(NowMs()); }
std::string Custom(const std::string& extra = "") {
  return "{\"type\":\"custom\",\"name\":\"signup\",\"ts\":" + Now() + extra + "}";
}
std::string Batch(const std::string& events) { return "{\"events\":[" + events + "]}"; }

std::string ErrorCode(const ClientResponse& r) {
  size_t p = r.body.find("\"error\":\"");
  if (p == std::string::npos) return "";
  size_t e = r.body.find('"', p + 9);
  return r.body.substr(p + 9, e - p - 9);
}

class IngestHttpTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    server_ = new ServerProcess();
    ASSERT_TRUE(server_->Start({"--rate-limit", "0", "--read-timeout", "2"})) << server_->Log();
    std::tie(pid_, key_) = server_->CreateProject("web");
    std::tie(other_pid_, other_key_) = server_->CreateProject("other");
    std::tie(disabled_pid_, disabled_key_) = server_->CreateProject("off");
    test::RunCommand(test::VigilBinary() + " project disable --data " + server_->data_dir() + " --id " +
                     std::to_string(disabled_pid_));
    token_ = server_->CreateToken();
    ASSERT_FALSE(token_.empty());
  }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }
  std::string Path(int64_t pid, const std::string& key) {
    return "/api/" + std::to_string(pid) + "/events?key=" + key;
  }
  ClientResponse Post(const std::string& body, std::vector<std::pair<std::string, std::string>> headers = {},
                      int64_t pid = 0, std::string key = "") {
    HttpClient c(server_->port());
    if (headers.empty()) headers.push_back({"Content-Type", "text/plain;charset=UTF-8"});
    return c.Request("POST", Path(pid ? pid : pid_, key.empty() ? key_ : key), body, headers);
  }
  // Polls the read API until `pred` holds for the returned body (events are processed async).
  std::string ReadEvents(const std::string& query, const std::function<bool(const std::string&)>& pred) {
    HttpClient c(server_->port());
    std::string body;
    for (int i = 0; i < 100; ++i) {
      auto r = c.Request("GET", "/api/v1/projects/" + std::to_string(pid_) + "/events?" + query, "",
                         {{"Authorization", "Bearer " + token_}});
      body = r.body;
      if (r.status == 200 && pred(body)) return body;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return body;
  }

  static ServerProcess* server_;
  static int64_t pid_, other_pid_, disabled_pid_;
  static std::string key_, other_key_, disabled_key_, token_;
};

ServerProcess* IngestHttpTest::server_ = nullptr;
int64_t IngestHttpTest::pid_ = 0, IngestHttpTest::other_pid_ = 0, IngestHttpTest::disabled_pid_ = 0;
std::string IngestHttpTest::key_, IngestHttpTest::other_key_, IngestHttpTest::disabled_key_, IngestHttpTest::token_;

TEST_F(IngestHttpTest, BadInputTable) {
  struct Case {
    std::string name;
    std::string body;
    std::vector<std::pair<std::string, std::string>> headers;
    int64_t pid;
    std::string key;
    int status;
    std::string error;
  };
  std::string deep = "{\"events\":[{\"type\":\"custom\",\"name\":\"x\",\"ts\":" + Now() + ",\"data\":{\"a\":" +
                     std::string(40, '[') + std::string(40, ']') + "}}]}";
  std::string many;
  for (int i = 0; i < 1001; ++i) many += std::string(i ? "," : "") + Custom();
  std::string huge = Batch(Custom(",\"pad\":\"" + std::string(1100000, 'x') + "\""));
  std::string bomb = Gzip(Batch(Custom(",\"pad\":\"" + std::string(6 << 20, ' ') + "\"")), 9);
  std::string gz = Gzip(Batch(Custom()));
  const std::vector<Case> cases = {
      {"empty body", "", {}, 0, "", 400, "empty_body"},
      {"not JSON", "not json at all", {}, 0, "", 400, "invalid_json"},
      {"truncated JSON", "{\"events\":[{\"type\":", {}, 0, "", 400, "invalid_json"},
      {"invalid UTF-8", "{\"events\":[{\"type\":\"custom\",\"name\":\"\xc3\x28\",\"ts\":1}]}", {}, 0, "", 400, "invalid_utf8"},
      {"wrong root type", "[]", {}, 0, "", 400, "not_an_object"},
      {"events wrong type", "{\"events\":\"x\"}", {}, 0, "", 400, "invalid_field"},
      {"too many events", Batch(many), {}, 0, "", 413, "too_many_events"},
      {"deep nesting", deep, {}, 0, "", 400, "too_deep"},
      {"body over the limit", huge, {}, 0, "", 413, "body_too_large"},
      {"gzip bomb", bomb, {{"Content-Encoding", "gzip"}}, 0, "", 413, "body_too_large"},
      {"corrupt gzip", gz.substr(0, gz.size() - 9), {{"Content-Encoding", "gzip"}}, 0, "", 400, "invalid_gzip"},
      {"unknown encoding", Batch(Custom()), {{"Content-Encoding", "br"}}, 0, "", 415, "unsupported_encoding"},
      {"wrong media type", Batch(Custom()), {{"Content-Type", "application/xml"}}, 0, "", 415, "unsupported_media_type"},
      {"missing key", Batch(Custom()), {}, 0, "", 401, "missing_key"},
      {"wrong key", Batch(Custom()), {}, 0, "00000000000000000000000000000000", 401, "unknown_key"},
      {"key of another project", Batch(Custom()), {}, 0, "OTHER", 403, "wrong_project"},
      {"unknown project", Batch(Custom()), {}, 999999, "", 403, "wrong_project"},
      {"disabled project", Batch(Custom()), {}, -1, "DISABLED", 403, "project_disabled"},
  };
  for (const auto& c : cases) {
    HttpClient client(server_->port());
    auto headers = c.headers;
    bool has_ct = false;
    for (auto& [k, v] : headers) has_ct |= k == "Content-Type";
    if (!has_ct) headers.push_back({"Content-Type", "text/plain"});
    int64_t pid = c.pid == -1 ? disabled_pid_ : c.pid ? c.pid : pid_;
    std::string key = c.key == "OTHER" ? other_key_ : c.key == "DISABLED" ? disabled_key_ : c.key.empty() ? key_ : c.key;
    std::string target = c.name == "missing key" ? "/api/" + std::to_string(pid) + "/events"
                                                 : "/api/" + std::to_string(pid) + "/events?key=" + key;
    auto r = client.Request("POST", target, c.body, headers);
    EXPECT_EQ(r.status, c.status) << c.name << ": " << r.body;
    EXPECT_EQ(ErrorCode(r), c.error) << c.name << ": " << r.body;
    EXPECT_FALSE(r.Header("date").empty()) << c.name;
    EXPECT_NE(r.Header("server-timing").find("vigil;desc="), std::string::npos) << c.name;
    EXPECT_EQ(r.Header("content-type"), "application/json") << c.name;
  }
  // Every refused batch is counted under its error code.
  HttpClient c(server_->port());
  std::string metrics = c.Request("GET", "/metrics").body;
  for (const char* code : {"invalid_json", "too_deep", "invalid_gzip", "unknown_key", "project_disabled"}) {
    EXPECT_NE(metrics.find(std::string("vigil_batches_refused_total{reason=\"") + code + "\"}"), std::string::npos) << code;
  }
}

TEST_F(IngestHttpTest, InvalidEventIsRejectedAloneAndCounted) {
  std::string body = Batch(Custom(",\"id\":\"keep_me_0001\"") + ",{\"type\":\"nope\",\"ts\":" + Now() +
                           "}," + "{\"name\":\"x\",\"ts\":" + Now() + "}," + Custom(",\"id\":\"keep_me_0002\""));
  auto r = Post(body);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_NE(r.body.find("\"accepted\":2"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("{\"index\":1,\"reason\":\"unknown_type\""), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("{\"index\":2,\"reason\":\"missing_type\""), std::string::npos) << r.body;
  std::string events = ReadEvents("type=custom&limit=1000", [](const std::string& b) {
    return b.find("keep_me_0001") != std::string::npos && b.find("keep_me_0002") != std::string::npos;
  });
  EXPECT_NE(events.find("keep_me_0002"), std::string::npos) << events;
  HttpClient c(server_->port());
  auto m = c.Request("GET", "/metrics");
  EXPECT_NE(m.body.find("vigil_events_rejected_total{reason=\"unknown_type\"}"), std::string::npos) << m.body;
  EXPECT_NE(m.body.find("vigil_events_rejected_total{reason=\"missing_type\"}"), std::string::npos);
}

TEST_F(IngestHttpTest, AcceptedEventsComeBackWithAllFields) {
  std::string id = "roundtrip_" + Now();
  std::string body =
      "{\"sdk\":{\"name\":\"test\",\"version\":\"1\"},\"context\":{\"release\":\"r1\",\"environment\":\"staging\","
      "\"uid\":\"user-1\",\"sid\":\"sess-1\",\"url\":\"https://shop.example.com/cart?a=1\"},\"events\":["
      "{\"type\":\"error\",\"name\":\"js\",\"id\":\"" + id + "\",\"ts\":" + Now() +
      ",\"message\":\"TypeError: <b>x</b> is undefined\",\"frames\":[{\"url\":\"app.js\",\"line\":1}]}]}";
  auto r = Post(body);
  ASSERT_EQ(r.status, 204) << r.body;
  EXPECT_TRUE(r.body.empty());
  EXPECT_EQ(r.headers.count("content-length"), 0u) << "RFC 9110: no Content-Length on 204";
  std::string events = ReadEvents("type=error&limit=5", [&](const std::string& b) { return b.find(id) != std::string::npos; });
  ASSERT_NE(events.find(id), std::string::npos) << events;
  for (const char* field : {"\"type\":\"error\"", "\"name\":\"js\"", "\"release\":\"r1\"", "\"environment\":\"staging\"",
                            "\"uid\":\"user-1\"", "\"sid\":\"sess-1\"", "\"path\":\"/cart\"", "\"level\":\"error\"",
                            "\"frames\":[{\"url\":\"app.js\",\"line\":1}]", "\"received_at\":", "\"browser\":",
                            "\"country\":", "\"fingerprint\":", "\"issue_id\":"}) {
    EXPECT_NE(events.find(field), std::string::npos) << field << " in " << events;
  }
  // Attacker-controlled text is escaped in JSON output.
  EXPECT_NE(events.find("\\u003cb\\u003ex\\u003c/b\\u003e"), std::string::npos) << events;
}

TEST_F(IngestHttpTest, GzipBodyAccepted) {
  std::string id = "gzipped_" + Now();
  auto r = Post(Gzip(Batch(Custom(",\"id\":\"" + id + "\""))),
                {{"Content-Type", "text/plain"}, {"Content-Encoding", "gzip"}});
  ASSERT_EQ(r.status, 204) << r.body;
  std::string events = ReadEvents("limit=50", [&](const std::string& b) { return b.find(id) != std::string::npos; });
  EXPECT_NE(events.find(id), std::string::npos);
}

TEST_F(IngestHttpTest, RetriedBatchWithIdsIsStoredOnce) {
  std::string id = "retry_" + Now();
  std::string body = Batch(Custom(",\"id\":\"" + id + "\""));
  ASSERT_EQ(Post(body).status, 204);
  ASSERT_EQ(Post(body).status, 204);
  std::string events = ReadEvents("limit=1000", [&](const std::string& b) { return b.find(id) != std::string::npos; });
  size_t first = events.find(id);
  ASSERT_NE(first, std::string::npos);
  EXPECT_EQ(events.find(id, first + 1), std::string::npos) << "stored twice";
}

TEST_F(IngestHttpTest, CorsPreflightAndHeaders) {
  HttpClient c(server_->port());
  auto r = c.Request("OPTIONS", Path(pid_, key_), "",
                     {{"Origin", "https://shop.example.com"}, {"Access-Control-Request-Method", "POST"}});
  EXPECT_EQ(r.status, 204);
  EXPECT_EQ(r.Header("access-control-allow-origin"), "https://shop.example.com");
  EXPECT_NE(r.Header("access-control-allow-methods").find("POST"), std::string::npos);
  auto p = Post(Batch(Custom()), {{"Content-Type", "text/plain"}, {"Origin", "https://shop.example.com"}});
  EXPECT_EQ(p.status, 204);
  EXPECT_EQ(p.Header("access-control-allow-origin"), "https://shop.example.com");
  EXPECT_NE(p.Header("access-control-expose-headers").find("Server-Timing"), std::string::npos);
}

TEST_F(IngestHttpTest, KeepAliveAndPipelining) {
  HttpClient c(server_->port());
  ASSERT_TRUE(c.Connect());
  std::string pipelined = HttpClient::Build("GET", "/healthz", "") +
                          HttpClient::Build("POST", Path(pid_, key_), Batch(Custom()), {{"Content-Type", "text/plain"}}) +
                          HttpClient::Build("GET", "/api/nope", "");
  ASSERT_TRUE(c.SendRaw(pipelined));
  ClientResponse a, b, d;
  ASSERT_TRUE(c.ReadResponse(&a));
  ASSERT_TRUE(c.ReadResponse(&b));
  ASSERT_TRUE(c.ReadResponse(&d));
  EXPECT_EQ(a.status, 200);
  EXPECT_EQ(b.status, 204);
  EXPECT_EQ(d.status, 404);
  EXPECT_EQ(ErrorCode(d), "not_found");
  // The same connection keeps working.
  auto e = c.Request("GET", "/healthz");
  EXPECT_EQ(e.status, 200);
}

TEST_F(IngestHttpTest, SlowClientIsDisconnected) {
  HttpClient c(server_->port());
  ASSERT_TRUE(c.Connect());
  ASSERT_TRUE(c.SendRaw("POST /api/1/events HTTP/1.1\r\nHost: x\r\nContent-Len"));
  auto start = std::chrono::steady_clock::now();
  char buf[16];
  ssize_t n = ::recv(c.fd(), buf, sizeof buf, 0);  // blocks until the server gives up
  double waited = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_LE(n, 0);
  EXPECT_LT(waited, 10.0);  // --read-timeout 2
}

TEST_F(IngestHttpTest, ReadApiNeedsToken) {
  HttpClient c(server_->port());
  std::string target = "/api/v1/projects/" + std::to_string(pid_) + "/events";
  EXPECT_EQ(c.Request("GET", target).status, 401);
  EXPECT_EQ(c.Request("GET", target, "", {{"Authorization", "Bearer vgt_wrong"}}).status, 401);
  EXPECT_EQ(c.Request("GET", target, "", {{"Authorization", "Basic abc"}}).status, 401);
  EXPECT_EQ(c.Request("GET", "/api/v1/projects/424242/events", "", {{"Authorization", "Bearer " + token_}}).status, 404);
  EXPECT_EQ(c.Request("GET", target + "?limit=abc", "", {{"Authorization", "Bearer " + token_}}).status, 400);
  EXPECT_EQ(c.Request("GET", target + "?type=bogus", "", {{"Authorization", "Bearer " + token_}}).status, 400);
  auto ok = c.Request("GET", target + "?limit=1", "", {{"Authorization", "Bearer " + token_}});
  EXPECT_EQ(ok.status, 200);
  EXPECT_EQ(ok.body.rfind("{\"events\":[", 0), 0u) << ok.body;
}

TEST_F(IngestHttpTest, ReadApiFiltersAndOrders) {
  int64_t base = NowMs() - 60000;
  std::string events;
  for (int i = 0; i < 5; ++i) {
    events += std::string(i ? "," : "") + "{\"type\":\"route\",\"url\":\"/r" + std::to_string(i) + "\",\"ts\":" +
              std::to_string(base + i * 1000) + ",\"id\":\"order_" + std::to_string(base) + "_" + std::to_string(i) + "\"}";
  }
  ASSERT_EQ(Post(Batch(events)).status, 204);
  std::string q = "type=route&since=" + std::to_string(base + 1000) + "&until=" + std::to_string(base + 4000) + "&limit=2";
  std::string body = ReadEvents(q, [&](const std::string& b) { return b.find("order_" + std::to_string(base)) != std::string::npos; });
  // since inclusive, until exclusive, newest first, limited to 2: r3 then r2.
  size_t r3 = body.find("\"path\":\"/r3\""), r2 = body.find("\"path\":\"/r2\"");
  ASSERT_NE(r3, std::string::npos) << body;
  ASSERT_NE(r2, std::string::npos) << body;
  EXPECT_LT(r3, r2);
  EXPECT_EQ(body.find("\"path\":\"/r1\""), std::string::npos);
  EXPECT_EQ(body.find("\"path\":\"/r4\""), std::string::npos);
}

TEST_F(IngestHttpTest, ProjectCreatedWhileRunningWorksAtOnce) {
  auto [pid, key] = server_->CreateProject("late");
  auto r = Post(Batch(Custom()), {}, pid, key);
  EXPECT_EQ(r.status, 204) << r.body;
  auto [dpid, dkey] = server_->CreateProject("to-disable");
  EXPECT_EQ(Post(Batch(Custom()), {}, dpid, dkey).status, 204);
  test::RunCommand(test::VigilBinary() + " project disable --data " + server_->data_dir() + " --id " + std::to_string(dpid));
  int status = 0;
  for (int i = 0; i < 50 && status != 403; ++i) {
    status = Post(Batch(Custom()), {}, dpid, dkey).status;
    if (status != 403) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_EQ(status, 403);
}

TEST_F(IngestHttpTest, MetricsExposition) {
  HttpClient c(server_->port());
  auto m = c.Request("GET", "/metrics");
  ASSERT_EQ(m.status, 200);
  for (const char* s : {"# TYPE vigil_http_requests_total counter", "vigil_events_accepted_total ",
                        "# TYPE vigil_queue_depth gauge", "vigil_queue_commit_seconds_bucket{le=\"+Inf\"}",
                        "vigil_http_requests_total{route=\"/api/:project/events\",status=\"204\"}"}) {
    EXPECT_NE(m.body.find(s), std::string::npos) << s;
  }
}

// Separate servers for limits that need their own flags.
TEST(IngestLimitsTest, RateLimitAnswers429WithRetryAfter) {
  ServerProcess s;
  ASSERT_TRUE(s.Start({"--rate-limit", "5", "--rate-burst", "10"})) << s.Log();
  auto [pid, key] = s.CreateProject("limited");
  HttpClient c(s.port());
  std::string ten;
  for (int i = 0; i < 10; ++i) ten += std::string(i ? "," : "") + Custom();
  auto ok = c.Request("POST", "/api/" + std::to_string(pid) + "/events?key=" + key, Batch(ten), {{"Content-Type", "text/plain"}});
  EXPECT_EQ(ok.status, 204) << ok.body;
  auto limited = c.Request("POST", "/api/" + std::to_string(pid) + "/events?key=" + key, Batch(ten), {{"Content-Type", "text/plain"}});
  EXPECT_EQ(limited.status, 429);
  EXPECT_EQ(ErrorCode(limited), "rate_limited");
  int retry = std::atoi(limited.Header("retry-after").c_str());
  EXPECT_GE(retry, 1);
  EXPECT_LE(retry, 2);
}

TEST(IngestLimitsTest, FullQueueAnswers503AndLosesNothingAccepted) {
  ServerProcess s;
  ASSERT_TRUE(s.Start({"--process", "false", "--queue-max-depth", "3", "--rate-limit", "0"})) << s.Log();
  auto [pid, key] = s.CreateProject("full");
  HttpClient c(s.port());
  std::string target = "/api/" + std::to_string(pid) + "/events?key=" + key;
  int accepted = 0, refused = 0;
  for (int i = 0; i < 6; ++i) {
    auto r = c.Request("POST", target, Batch(Custom(",\"id\":\"queued_" + std::to_string(i) + "_x\"")), {{"Content-Type", "text/plain"}});
    if (r.status == 204) ++accepted;
    else {
      EXPECT_EQ(r.status, 503);
      EXPECT_EQ(ErrorCode(r), "overloaded");
      EXPECT_EQ(r.Header("retry-after"), "1");
      ++refused;
    }
  }
  EXPECT_EQ(accepted, 3);
  EXPECT_EQ(refused, 3);
  // Restart with processing on: the three queued batches reach the event store.
  EXPECT_EQ(s.Kill(SIGTERM), 0);
  ASSERT_TRUE(s.Start({"--rate-limit", "0"})) << s.Log();
  std::string token = s.CreateToken();
  std::string body;
  test::HttpClient c2(s.port());
  for (int i = 0; i < 100; ++i) {
    body = c2.Request("GET", "/api/v1/projects/" + std::to_string(pid) + "/events", "", {{"Authorization", "Bearer " + token}}).body;
    if (body.find("queued_2_x") != std::string::npos) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(30));
  }
  for (int i = 0; i < 3; ++i) EXPECT_NE(body.find("queued_" + std::to_string(i) + "_x"), std::string::npos) << body;
}

TEST(ServeCommandTest, GracefulShutdownAndHelp) {
  ServerProcess s;
  ASSERT_TRUE(s.Start());
  EXPECT_NE(s.Log().find("Vigil is running at http://127.0.0.1:"), std::string::npos);
  EXPECT_NE(s.Log().find("DSN (demo): http://"), std::string::npos);
  EXPECT_NE(s.Log().find("password: "), std::string::npos);
  EXPECT_EQ(s.Kill(SIGTERM), 0);
  EXPECT_NE(s.Log().find("\"msg\":\"stopped\""), std::string::npos);
  // Second start: the password is not shown again, the same demo project is.
  ASSERT_TRUE(s.Start());
  EXPECT_EQ(s.Kill(SIGINT), 0);
  int rc = 0;
  std::string help = test::RunCommand(test::VigilBinary() + " serve --help", &rc);
  EXPECT_EQ(rc, 0);
  for (const char* f : {"--listen", "VIGIL_LISTEN", "--data", "VIGIL_DATA", "--rate-limit", "--sync"}) {
    EXPECT_NE(help.find(f), std::string::npos) << f;
  }
  std::string top = test::RunCommand(test::VigilBinary() + " --help", &rc);
  EXPECT_EQ(rc, 0);
  EXPECT_NE(top.find("project create"), std::string::npos);
  EXPECT_NE(top.find("VIGIL_LISTEN"), std::string::npos);
  test::RunCommand(test::VigilBinary() + " serve --listen nonsense 2>/dev/null", &rc);
  EXPECT_EQ(rc, 2);
}

}  // namespace
}  // namespace vigil
