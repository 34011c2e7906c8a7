// Issues end to end: errors sent over HTTP are grouped, counted and listed; status changes and
// regressions follow the documented rules.
#include <gtest/gtest.h>

#include <simdjson.h>

#include "common/clock.h"
#include "store/sqlite/sqlite_meta_store.h"
#include "test_support.h"

namespace vigil {
namespace {

class IssuesHttpTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(server_.Start({"--rate-limit", "0"})) << server_.Log();
    std::tie(pid_, key_) = server_.CreateProject("issues");
    token_ = server_.CreateToken();
  }
  int Send(const std::string& events, const std::string& release = "shop@1.0.0") {
    test::HttpClient c(server_.port());
    std::string body = "{\"context\":{\"release\":\"" + release + "\",\"url\":\"https://shop.example.com/cart\"},\"events\":[" +
                       events + "]}";
    return c.Request("POST", "/api/" + std::to_string(pid_) + "/events?key=" + key_, body, {{"Content-Type", "text/plain"}}).status;
  }
  static std::string Error(const std::string& msg, const std::string& uid, const std::string& fn = "render",
                           const std::string& extra = "") {
    return "{\"type\":\"error\",\"name\":\"js\",\"ts\":" + std::to_string(NowMs()) + ",\"uid\":\"" + uid +
           "\",\"sid\":\"s-" + uid + "\",\"message\":\"TypeError: " + msg +
           "\",\"exception\":{\"type\":\"TypeError\",\"value\":\"" + msg + "\"},\"frames\":[{\"url\":\"https://shop.example.com/app." +
           std::to_string(NowMs() % 100000000 + 10000000) + ".js\",\"fn\":\"" + fn + "\",\"line\":1,\"col\":2}]" + extra + "}";
  }
  std::string Get(const std::string& path) {
    test::HttpClient c(server_.port());
    return c.Request("GET", "/api/v1/projects/" + std::to_string(pid_) + path, "", {{"Authorization", "Bearer " + token_}}).body;
  }
  test::ClientResponse Put(int64_t issue, const std::string& body) {
    test::HttpClient c(server_.port());
    return c.Request("PUT", "/api/v1/projects/" + std::to_string(pid_) + "/issues/" + std::to_string(issue), body,
                     {{"Authorization", "Bearer " + token_}, {"Content-Type", "application/json"}});
  }
  // Waits until the issue list satisfies `pred`, returns the parsed issues array as JSON text.
  std::string WaitIssues(const std::string& query, const std::function<bool(simdjson::dom::array)>& pred) {
    std::string body;
    for (int i = 0; i < 100; ++i) {
      body = Get("/issues" + query);
      simdjson::dom::parser p;
      simdjson::dom::element root;
      simdjson::dom::array arr;
      if (!p.parse(body).get(root) && !root["issues"].get(arr) && pred(arr)) return body;
      std::this_thread::sleep_for(std::chrono::milliseconds(30));
    }
    return body;
  }
  static int64_t Field(const std::string& json, size_t index, const char* key) {
    simdjson::dom::parser p;
    simdjson::dom::element root = p.parse(json);
    return root["issues"].at(index)[key].get_int64().value();
  }
  static std::string StrField(const std::string& json, size_t index, const char* key) {
    simdjson::dom::parser p;
    simdjson::dom::element root = p.parse(json);
    return std::string(root["issues"].at(index)[key].get_string().value());
  }

  test::ServerProcess server_;
  int64_t pid_ = 0;
  std::string key_, token_;
};

TEST_F(IssuesHttpTest, GroupsCountsAndLists) {
  // Three occurrences of one bug from two users (different deploy hashes), one other bug.
  ASSERT_EQ(Send(Error("Cannot read properties of undefined (reading 'a')", "u1") + "," +
                 Error("Cannot read properties of undefined (reading 'b')", "u2") + "," +
                 Error("x is undefined", "u1") + "," + Error("boom", "u3", "checkout")),
            204);
  std::string body = WaitIssues("?sort=count", [](simdjson::dom::array a) { return a.size() == 2; });
  ASSERT_NE(body.find("\"issues\""), std::string::npos) << body;
  EXPECT_EQ(Field(body, 0, "count"), 3) << body;
  EXPECT_EQ(Field(body, 0, "users"), 2);
  EXPECT_EQ(Field(body, 0, "sessions"), 2);
  EXPECT_EQ(StrField(body, 0, "status"), "unresolved");
  EXPECT_EQ(StrField(body, 0, "first_release"), "shop@1.0.0");
  EXPECT_EQ(StrField(body, 0, "culprit"), "render (/app.js)");
  EXPECT_EQ(Field(body, 1, "count"), 1);
  // Events carry fingerprint and issue_id.
  int64_t issue_id = Field(body, 0, "id");
  std::string fp = StrField(body, 0, "fingerprint");
  // The issue counters are written before the cycle's events are (the event store has its own
  // thread), so the events may follow the issue by a moment.
  std::string events;
  for (int i = 0; i < 100; ++i) {
    events = Get("/events?type=error&limit=10");
    if (events.find("\"issue_id\":" + std::to_string(issue_id)) != std::string::npos) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(30));
  }
  EXPECT_NE(events.find("\"issue_id\":" + std::to_string(issue_id)), std::string::npos) << events;
  EXPECT_NE(events.find("\"fingerprint\":\"" + fp + "\""), std::string::npos) << events;
  // Search and status filters.
  std::string found = Get("/issues?query=BOOM");
  EXPECT_NE(found.find("boom"), std::string::npos);
  EXPECT_EQ(found.find("reading"), std::string::npos);
  EXPECT_EQ(Get("/issues?status=resolved"), "{\"issues\":[],\"total\":0}");
  // Paging: total counts every match, limit/offset cut the page.
  std::string page = Get("/issues?sort=count&limit=1&offset=1");
  EXPECT_NE(page.find("\"total\":2"), std::string::npos) << page;
  EXPECT_NE(page.find("boom"), std::string::npos) << "second by count: " << page;
  // Single issue.
  EXPECT_NE(Get("/issues/" + std::to_string(issue_id)).find("\"id\":" + std::to_string(issue_id)), std::string::npos);
  EXPECT_NE(Get("/issues/999999").find("not_found"), std::string::npos);
}

TEST_F(IssuesHttpTest, ResolvedIssueRegressesOnNewEvent) {
  ASSERT_EQ(Send(Error("regress me", "u1")), 204);
  std::string body = WaitIssues("", [](simdjson::dom::array a) { return a.size() == 1; });
  int64_t id = Field(body, 0, "id");
  auto r = Put(id, "{\"status\":\"resolved\"}");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_NE(r.body.find("\"status\":\"resolved\""), std::string::npos);
  ASSERT_EQ(Send(Error("regress me", "u2"), "shop@1.0.1"), 204);
  body = WaitIssues("", [](simdjson::dom::array a) { return a.size() == 1 && a.at(0)["count"].get_int64().value() == 2; });
  EXPECT_EQ(StrField(body, 0, "status"), "unresolved") << body;
  EXPECT_NE(body.find("\"regressed\":true"), std::string::npos) << body;
  EXPECT_EQ(StrField(body, 0, "last_release"), "shop@1.0.1");
}

TEST_F(IssuesHttpTest, ResolvedInReleaseOnlyRegressesFromThatReleaseOn) {
  ASSERT_EQ(Send(Error("fixed in 2.0", "u1"), "shop@1.9.0"), 204);
  std::string body = WaitIssues("", [](simdjson::dom::array a) { return a.size() == 1; });
  int64_t id = Field(body, 0, "id");
  ASSERT_EQ(Put(id, "{\"status\":\"resolved_in_release\",\"release\":\"shop@2.0.0\"}").status, 200);
  EXPECT_EQ(Put(id, "{\"status\":\"resolved_in_release\"}").status, 400);  // needs a release
  ASSERT_EQ(Put(id, "{\"status\":\"resolved_in_release\",\"release\":\"shop@2.0.0\"}").status, 200);
  // An old client still on 1.9.0: not a regression.
  ASSERT_EQ(Send(Error("fixed in 2.0", "u2"), "shop@1.9.0"), 204);
  body = WaitIssues("", [](simdjson::dom::array a) { return a.at(0)["count"].get_int64().value() == 2; });
  EXPECT_EQ(StrField(body, 0, "status"), "resolved_in_release") << body;
  // 2.0.1 still has it: regression.
  ASSERT_EQ(Send(Error("fixed in 2.0", "u3"), "shop@2.0.1"), 204);
  body = WaitIssues("", [](simdjson::dom::array a) { return a.at(0)["count"].get_int64().value() == 3; });
  EXPECT_EQ(StrField(body, 0, "status"), "unresolved") << body;
  EXPECT_NE(body.find("\"regressed\":true"), std::string::npos);
}

TEST_F(IssuesHttpTest, IgnoredUntilCountReopens) {
  ASSERT_EQ(Send(Error("noisy", "u1")), 204);
  std::string body = WaitIssues("", [](simdjson::dom::array a) { return a.size() == 1; });
  int64_t id = Field(body, 0, "id");
  ASSERT_EQ(Put(id, "{\"status\":\"ignored\",\"ignore_until_count\":3}").status, 200);
  ASSERT_EQ(Send(Error("noisy", "u2") + "," + Error("noisy", "u3")), 204);
  body = WaitIssues("", [](simdjson::dom::array a) { return a.at(0)["count"].get_int64().value() == 3; });
  EXPECT_EQ(StrField(body, 0, "status"), "ignored") << body;
  ASSERT_EQ(Send(Error("noisy", "u4")), 204);
  body = WaitIssues("", [](simdjson::dom::array a) { return a.at(0)["count"].get_int64().value() == 4; });
  EXPECT_EQ(StrField(body, 0, "status"), "unresolved") << body;
  EXPECT_NE(body.find("\"regressed\":false"), std::string::npos) << "ignore expiry is not a regression";
  EXPECT_EQ(Put(id, "{\"status\":\"bogus\"}").status, 400);
  EXPECT_EQ(Put(987654, "{\"status\":\"resolved\"}").status, 404);
}

TEST(ReleaseOrderTest, Table) {
  struct C {
    const char* release;
    const char* base;
    bool at_least;
  } cases[] = {
      {"shop@1.10.0", "shop@1.9.2", true}, {"shop@1.9.2", "shop@1.10.0", false}, {"shop@2.0.0", "shop@2.0.0", true},
      {"shop@v2.1", "shop@2.0.9", true},   {"2.0.0", "1.0.0", true},             {"other@3.0.0", "shop@1.0.0", false},
      {"abc123", "def456", false},         {"abc123", "abc123", true},
      // Pre-releases come before their release (SemVer §11); build metadata is ignored.
      {"shop@2.0.0-rc1", "shop@2.0.0", false},       {"shop@2.0.0", "shop@2.0.0-rc1", true},
      {"shop@2.0.0-rc.10", "shop@2.0.0-rc.2", true}, {"shop@2.0.0-rc.2", "shop@2.0.0-rc.10", false},
      {"shop@2.0.0-beta", "shop@2.0.0-alpha", true}, {"shop@2.0.0-alpha.1", "shop@2.0.0-alpha", true},
      {"shop@2.0.0-alpha", "shop@2.0.0-alpha.1", false}, {"shop@2.0.0-1", "shop@2.0.0-alpha", false},
      {"shop@2.0.0rc1", "shop@1.9.9", true},          {"shop@2.0.0+build.7", "shop@2.0.0", true},
      {"shop@2.0", "shop@2.0.0", true},               {"shop@2.1.0-rc1", "shop@2.0.5", true},
  };
  for (const auto& c : cases) EXPECT_EQ(ReleaseAtLeast(c.release, c.base), c.at_least) << c.release << " vs " << c.base;
}

}  // namespace
}  // namespace vigil
