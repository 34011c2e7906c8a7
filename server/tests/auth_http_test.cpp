// Accounts, sessions, CSRF and authorization through the real binary.
#include <gtest/gtest.h>

#include <cstdlib>
#include <thread>

#include "test_support.h"

namespace vigil {
namespace {

std::string CookieFrom(const test::ClientResponse& r) {
  std::string c = r.Header("set-cookie");
  return c.substr(0, c.find(';'));
}
std::string JsonString(const std::string& body, const std::string& key) {
  size_t p = body.find("\"" + key + "\":\"");
  if (p == std::string::npos) return "";
  p += key.size() + 4;
  return body.substr(p, body.find('"', p) - p);
}

class AuthHttpTest : public ::testing::Test {
 protected:
  void SetUp() override {
    setenv("VIGIL_ADMIN_PASSWORD", "correct horse battery", 1);
    ASSERT_TRUE(server_.Start()) << server_.Log();
    unsetenv("VIGIL_ADMIN_PASSWORD");
  }
  test::ClientResponse Call(const std::string& method, const std::string& path, const std::string& body = "",
                            std::vector<std::pair<std::string, std::string>> headers = {}) {
    test::HttpClient c(server_.port());
    headers.push_back({"Content-Type", "application/json"});
    return c.Request(method, path, body, headers);
  }
  // Logs in; returns {cookie, csrf}.
  std::pair<std::string, std::string> Login(const std::string& email, const std::string& password) {
    auto r = Call("POST", "/api/v1/auth/login", "{\"email\":\"" + email + "\",\"password\":\"" + password + "\"}");
    EXPECT_EQ(r.status, 200) << r.body;
    return {CookieFrom(r), JsonString(r.body, "csrf_token")};
  }
  test::ServerProcess server_;
};

TEST_F(AuthHttpTest, LoginSessionCsrfLogout) {
  auto bad = Call("POST", "/api/v1/auth/login", R"({"email":"admin@localhost","password":"nope"})");
  EXPECT_EQ(bad.status, 401);
  EXPECT_EQ(Call("GET", "/api/v1/auth/me").status, 401);
  EXPECT_EQ(Call("GET", "/api/v1/projects").status, 401);

  auto r = Call("POST", "/api/v1/auth/login", R"({"email":"admin@localhost","password":"correct horse battery"})");
  ASSERT_EQ(r.status, 200) << r.body;
  std::string set_cookie = r.Header("set-cookie");
  EXPECT_NE(set_cookie.find("HttpOnly"), std::string::npos);
  EXPECT_NE(set_cookie.find("SameSite=Lax"), std::string::npos);
  std::string cookie = CookieFrom(r), csrf = JsonString(r.body, "csrf_token");
  ASSERT_FALSE(csrf.empty());
  EXPECT_EQ(r.body.find("password"), std::string::npos);

  auto me = Call("GET", "/api/v1/auth/me", "", {{"Cookie", cookie}});
  EXPECT_EQ(me.status, 200);
  EXPECT_NE(me.body.find("\"role\":\"admin\""), std::string::npos);
  auto projects = Call("GET", "/api/v1/projects", "", {{"Cookie", cookie}});
  EXPECT_EQ(projects.status, 200);
  EXPECT_NE(projects.body.find("\"name\":\"demo\""), std::string::npos) << projects.body;
  EXPECT_NE(projects.body.find("\"dsn\":\"http://"), std::string::npos);

  // A mutation with the cookie but without the CSRF token is refused, with it accepted.
  EXPECT_EQ(Call("POST", "/api/v1/projects", R"({"name":"web"})", {{"Cookie", cookie}}).status, 403);
  EXPECT_EQ(Call("POST", "/api/v1/projects", R"({"name":"web"})", {{"Cookie", cookie}, {"X-CSRF-Token", "wrong"}}).status, 403);
  auto created = Call("POST", "/api/v1/projects", R"({"name":"web"})", {{"Cookie", cookie}, {"X-CSRF-Token", csrf}});
  EXPECT_EQ(created.status, 201) << created.body;

  // Logout ends the session.
  EXPECT_EQ(Call("POST", "/api/v1/auth/logout", "", {{"Cookie", cookie}, {"X-CSRF-Token", csrf}}).status, 204);
  EXPECT_EQ(Call("GET", "/api/v1/auth/me", "", {{"Cookie", cookie}}).status, 401);
}

TEST_F(AuthHttpTest, MembersSeeOnlyTheirProjects) {
  auto [cookie, csrf] = Login("admin@localhost", "correct horse battery");
  std::vector<std::pair<std::string, std::string>> admin = {{"Cookie", cookie}, {"X-CSRF-Token", csrf}};
  auto a = Call("POST", "/api/v1/projects", R"({"name":"team-a"})", admin);
  auto b = Call("POST", "/api/v1/projects", R"({"name":"team-b"})", admin);
  std::string a_id = a.body.substr(6, a.body.find(',') - 6), b_id = b.body.substr(6, b.body.find(',') - 6);
  auto u = Call("POST", "/api/v1/users", R"({"email":"ann@example.com","password":"ann-password","role":"member"})", admin);
  ASSERT_EQ(u.status, 201) << u.body;
  std::string uid = u.body.substr(6, u.body.find(',') - 6);
  ASSERT_EQ(Call("PUT", "/api/v1/projects/" + a_id + "/members", "{\"user_ids\":[" + uid + "]}", admin).status, 200);

  auto [mc, mcsrf] = Login("ann@example.com", "ann-password");
  std::vector<std::pair<std::string, std::string>> member = {{"Cookie", mc}, {"X-CSRF-Token", mcsrf}};
  auto list = Call("GET", "/api/v1/projects", "", member);
  EXPECT_NE(list.body.find("team-a"), std::string::npos);
  EXPECT_EQ(list.body.find("team-b"), std::string::npos) << list.body;
  EXPECT_EQ(Call("GET", "/api/v1/projects/" + a_id + "/issues", "", member).status, 200);
  EXPECT_EQ(Call("GET", "/api/v1/projects/" + b_id + "/issues", "", member).status, 404);
  EXPECT_EQ(Call("GET", "/api/v1/projects/" + b_id + "/events", "", member).status, 404);
  // A member lists whom the project's issues can be assigned to (members and admins), not the
  // users of other projects; assigning to someone who cannot see the project is refused.
  auto u2 = Call("POST", "/api/v1/users", R"({"email":"bob@example.com","password":"bob-password","role":"member"})", admin);
  ASSERT_EQ(u2.status, 201) << u2.body;
  std::string bob = u2.body.substr(6, u2.body.find(',') - 6);
  ASSERT_EQ(Call("PUT", "/api/v1/projects/" + b_id + "/members", "{\"user_ids\":[" + bob + "]}", admin).status, 200);
  auto assignable = Call("GET", "/api/v1/projects/" + a_id + "/members", "", member);
  ASSERT_EQ(assignable.status, 200) << assignable.body;
  EXPECT_NE(assignable.body.find("\"email\":\"ann@example.com\""), std::string::npos) << assignable.body;
  EXPECT_NE(assignable.body.find("\"email\":\"admin@localhost\",\"role\":\"admin\""), std::string::npos) << assignable.body;
  EXPECT_EQ(assignable.body.find("bob@example.com"), std::string::npos) << assignable.body;
  EXPECT_EQ(Call("GET", "/api/v1/projects/" + b_id + "/members", "", member).status, 404);
  std::string now = std::to_string(time(nullptr) * 1000LL);
  auto proj_a = Call("GET", "/api/v1/projects", "", member);
  std::string a_key = JsonString(proj_a.body, "key");
  ASSERT_EQ(Call("POST", "/api/" + a_id + "/events?key=" + a_key,
                 R"({"events":[{"type":"error","name":"js","message":"boom","ts":)" + now + "}]}")
                .status,
            204);
  std::string issue_id;
  for (int i = 0; i < 100 && issue_id.empty(); ++i) {
    auto issues = Call("GET", "/api/v1/projects/" + a_id + "/issues", "", member);
    size_t at = issues.body.find("{\"id\":");
    if (at != std::string::npos) issue_id = issues.body.substr(at + 6, issues.body.find(',', at) - at - 6);
    else std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_FALSE(issue_id.empty());
  std::string issue_path = "/api/v1/projects/" + a_id + "/issues/" + issue_id;
  EXPECT_EQ(Call("PUT", issue_path, "{\"assignee\":" + bob + "}", member).status, 400);
  auto assigned = Call("PUT", issue_path, "{\"assignee\":" + uid + "}", member);
  EXPECT_EQ(assigned.status, 200) << assigned.body;
  EXPECT_NE(assigned.body.find("\"assignee\":" + uid), std::string::npos) << assigned.body;
  // Members cannot administer.
  EXPECT_EQ(Call("PUT", "/api/v1/projects/" + a_id, R"({"name":"x"})", member).status, 403);
  EXPECT_EQ(Call("GET", "/api/v1/users", "", member).status, 403);
  EXPECT_EQ(Call("POST", "/api/v1/projects", R"({"name":"mine"})", member).status, 403);
  // Personal tokens work as Bearer and are scoped to the member's projects.
  auto t = Call("POST", "/api/v1/tokens", R"({"name":"ci"})", member);
  ASSERT_EQ(t.status, 201) << t.body;
  std::string token = JsonString(t.body, "token");
  EXPECT_EQ(Call("GET", "/api/v1/projects/" + a_id + "/events", "", {{"Authorization", "Bearer " + token}}).status, 200);
  EXPECT_EQ(Call("GET", "/api/v1/projects/" + b_id + "/events", "", {{"Authorization", "Bearer " + token}}).status, 404);
}

TEST_F(AuthHttpTest, PasswordChangeRotateKeyAndLoginLimit) {
  auto [cookie, csrf] = Login("admin@localhost", "correct horse battery");
  std::vector<std::pair<std::string, std::string>> h = {{"Cookie", cookie}, {"X-CSRF-Token", csrf}};
  EXPECT_EQ(Call("PUT", "/api/v1/auth/password", R"({"current_password":"wrong","new_password":"new-password-1"})", h).status, 403);
  EXPECT_EQ(Call("PUT", "/api/v1/auth/password", R"({"current_password":"correct horse battery","new_password":"short"})", h).status, 400);
  EXPECT_EQ(Call("PUT", "/api/v1/auth/password", R"({"current_password":"correct horse battery","new_password":"new-password-1"})", h).status, 204);
  EXPECT_EQ(Call("POST", "/api/v1/auth/login", R"({"email":"admin@localhost","password":"correct horse battery"})").status, 401);
  auto relog = Login("admin@localhost", "new-password-1");
  h = {{"Cookie", relog.first}, {"X-CSRF-Token", relog.second}};
  // Rotating the key: the old key stops working for ingest.
  auto before = Call("GET", "/api/v1/projects", "", h);
  std::string old_key = JsonString(before.body, "key");
  auto rotated = Call("POST", "/api/v1/projects/1/rotate-key", "", h);
  ASSERT_EQ(rotated.status, 200);
  std::string new_key = JsonString(rotated.body, "key");
  EXPECT_NE(old_key, new_key);
  std::string batch = R"({"events":[{"type":"custom","name":"x","ts":)" + std::to_string(time(nullptr) * 1000LL) + "}]}";
  EXPECT_EQ(Call("POST", "/api/1/events?key=" + old_key, batch).status, 401);
  EXPECT_EQ(Call("POST", "/api/1/events?key=" + new_key, batch).status, 204);
  // Five failures lock the e-mail out, with Retry-After.
  for (int i = 0; i < 5; ++i) Call("POST", "/api/v1/auth/login", R"({"email":"admin@localhost","password":"guess"})");
  auto locked = Call("POST", "/api/v1/auth/login", R"({"email":"admin@localhost","password":"new-password-1"})");
  EXPECT_EQ(locked.status, 429);
  EXPECT_FALSE(locked.Header("retry-after").empty());
}

TEST_F(AuthHttpTest, LostPasswordIsResetFromTheCli) {
  auto [cookie, csrf] = Login("admin@localhost", "correct horse battery");
  int rc = 0;
  std::string out = test::RunCommand(test::VigilBinary() + " user set-password --data " + server_.data_dir() +
                                         " --email admin@localhost",
                                     &rc);
  ASSERT_EQ(rc, 0) << out;
  std::string prefix = "new password of admin@localhost: ";
  ASSERT_EQ(out.rfind(prefix, 0), 0u) << out;
  std::string fresh = out.substr(prefix.size());
  EXPECT_EQ(Call("GET", "/api/v1/auth/me", "", {{"Cookie", cookie}}).status, 401) << "old sessions end";
  EXPECT_EQ(Call("POST", "/api/v1/auth/login", R"({"email":"admin@localhost","password":"correct horse battery"})").status, 401);
  Login("admin@localhost", fresh);
  test::RunCommand(test::VigilBinary() + " user set-password --data " + server_.data_dir() + " --email nobody@example.com 2>/dev/null", &rc);
  EXPECT_EQ(rc, 2);
}

TEST_F(AuthHttpTest, DashboardRoutesServeIndexAndApiStays404) {
  auto api = Call("GET", "/api/v1/nothing-here");
  EXPECT_EQ(api.status, 404);
  EXPECT_EQ(api.Header("content-type"), "application/json");
  auto traversal = Call("GET", "/assets/../../etc/passwd");
  EXPECT_NE(traversal.status, 200);
  EXPECT_EQ(traversal.body.find("root:"), std::string::npos);
}

}  // namespace
}  // namespace vigil
