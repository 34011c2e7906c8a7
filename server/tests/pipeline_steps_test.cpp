// Inbound filters, scrubbing, settings parsing and quotas: table-driven.
#include <gtest/gtest.h>

#include "pipeline/enrich_step.h"
#include "pipeline/filter_step.h"
#include "pipeline/project_settings.h"
#include "pipeline/scrub_step.h"
#include "store/memory/token_bucket_limiter.h"

namespace vigil {
namespace {

Event Ev(EventType type, const std::string& name = "", const std::string& url = "https://shop.example.com/cart") {
  Event e;
  e.type = type;
  e.name = name;
  e.url = url;
  e.data = "{}";
  return e;
}

TEST(FilterStepTest, ReasonTable) {
  auto settings = ProjectSettings::FromJson(R"({"filters":{"allowed_domains":["shop.example.com","*.example.org"],
      "deny_ips":["10.0.0.0/8","2001:db8::1"],"deny_releases":["*-dev"],"deny_environments":["local*"],
      "deny_messages":["*third-party widget*"],"localhost":true,"legacy_browsers":true}})");
  ASSERT_TRUE(settings.ok()) << settings.status().ToString();
  ProjectSettings defaults;

  struct Case {
    std::string name;
    Event e;
    NormalizedBatch batch;
    const ProjectSettings* s;
    std::string reason;
  };
  NormalizedBatch plain;
  plain.client_ip = "203.0.113.9";
  NormalizedBatch denied_ip = plain;
  denied_ip.client_ip = "10.1.2.3";
  NormalizedBatch denied_ip6 = plain;
  denied_ip6.client_ip = "2001:db8::1";
  NormalizedBatch bot = plain;
  bot.is_bot = true;
  NormalizedBatch legacy = plain;
  legacy.is_legacy_browser = true;

  auto err = [](const std::string& msg, const std::string& frames = "") {
    Event e = Ev(EventType::kError, "js");
    e.message = msg;
    e.data = frames.empty() ? "{}" : "{\"frames\":" + frames + "}";
    return e;
  };
  auto vital = [](const std::string& name, double v) {
    Event e = Ev(EventType::kVital, name);
    e.value = v;
    return e;
  };
  auto with = [](Event e, auto f) {
    f(e);
    return e;
  };
  std::vector<Case> cases = {
      {"clean pageview", Ev(EventType::kPageview), plain, &*settings, ""},
      {"denied IPv4 CIDR", Ev(EventType::kPageview), denied_ip, &*settings, "ip_denied"},
      {"denied IPv6 address", Ev(EventType::kPageview), denied_ip6, &*settings, "ip_denied"},
      {"denied release glob", with(Ev(EventType::kPageview), [](Event& e) { e.release = "shop@2.0-dev"; }), plain, &*settings, "release_denied"},
      {"allowed release", with(Ev(EventType::kPageview), [](Event& e) { e.release = "shop@2.0"; }), plain, &*settings, ""},
      {"denied environment", with(Ev(EventType::kPageview), [](Event& e) { e.environment = "localdev"; }), plain, &*settings, "environment_denied"},
      {"domain not allowed", Ev(EventType::kPageview, "", "https://evil.example.net/x"), plain, &*settings, "domain_not_allowed"},
      {"wildcard domain allowed", Ev(EventType::kPageview, "", "https://blog.example.org/x"), plain, &*settings, ""},
      {"localhost opt-in", Ev(EventType::kPageview, "", "http://localhost:3000/"), plain, &*settings, "domain_not_allowed"},
      {"localhost when no domain list", Ev(EventType::kPageview, "", "http://127.0.0.1:5173/"), plain,
       &*ProjectSettings::FromJson(R"({"filters":{"localhost":true}})"), "localhost"},
      {"localhost kept by default", Ev(EventType::kPageview, "", "http://localhost:3000/"), plain, &defaults, ""},
      {"bot by default", Ev(EventType::kPageview), bot, &defaults, "bot"},
      {"legacy browser opt-in", Ev(EventType::kPageview), legacy, &*settings, "legacy_browser"},
      {"legacy browser kept by default", Ev(EventType::kPageview), legacy, &defaults, ""},
      {"extension frame on top", err("TypeError: x", R"([{"url":"chrome-extension://abc/inject.js","fn":"f"},{"url":"https://shop.example.com/app.js"}])"),
       plain, &defaults, "browser_extension"},
      {"firefox extension", err("e", R"([{"url":"moz-extension://1234/content.js"}])"), plain, &defaults, "browser_extension"},
      {"extension deeper in stack is kept", err("e", R"([{"url":"https://shop.example.com/app.js"},{"url":"chrome-extension://abc/x.js"}])"),
       plain, &defaults, ""},
      {"Script error. without stack", err("Script error."), plain, &defaults, "known_noise"},
      {"Script error. with stack kept", err("Script error.", R"([{"url":"https://shop.example.com/app.js"}])"), plain, &defaults, ""},
      {"ResizeObserver loop", err("ResizeObserver loop completed with undelivered notifications."), plain, &defaults, "known_noise"},
      {"ResizeObserver limit", err("ResizeObserver loop limit exceeded"), plain, &defaults, "known_noise"},
      {"noise filter off", err("Script error."), plain, &*ProjectSettings::FromJson(R"({"filters":{"known_noise":false}})"), ""},
      {"denied message", err("Error in third-party widget v2"), plain, &*settings, "message_denied"},
      {"negative vital", vital("LCP", -5), plain, &defaults, "outlier"},
      {"LCP over 60 s", vital("LCP", 61000), plain, &defaults, "outlier"},
      {"TTFB over 60 s", vital("TTFB", 90000), plain, &defaults, "outlier"},
      {"CLS over 10", vital("CLS", 12), plain, &defaults, "outlier"},
      {"normal CLS", vital("CLS", 0.12), plain, &defaults, ""},
      {"normal LCP", vital("LCP", 2400), plain, &defaults, ""},
      {"duration over an hour", with(Ev(EventType::kHttp, "GET"), [](Event& e) { e.duration = 4e6; }), plain, &defaults, "outlier"},
      {"outliers off", vital("LCP", 61000), plain, &*ProjectSettings::FromJson(R"({"filters":{"outliers":false}})"), ""},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(std::string(FilterStep::Reason(c.e, c.batch, *c.s)), c.reason) << c.name;
  }
}

TEST(ProjectSettingsTest, ParseValidateRoundTrip) {
  auto s = ProjectSettings::FromJson(R"({"quotas":{"rate":50,"daily":1000},"scrub_keys":["ssn_last4"],"ip_policy":"anonymize"})");
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->quotas.daily, 1000);
  EXPECT_EQ(s->ip_policy, "anonymize");
  auto again = ProjectSettings::FromJson(s->ToJson());
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->ToJson(), s->ToJson());
  for (const char* bad : {R"({"filter":{}})", R"({"filters":{"bots":"yes"}})", R"({"filters":{"deny_ips":["nope"]}})",
                          R"({"ip_policy":"forever"})", R"({"quotas":{"rate":-1}})", R"([1])", R"({"filters":{"typo":true}})"}) {
    EXPECT_FALSE(ProjectSettings::FromJson(bad).ok()) << bad;
  }
  EXPECT_TRUE(GlobMatch("*-dev", "shop@2.0-DEV"));
  EXPECT_TRUE(GlobMatch("a?c", "abc"));
  EXPECT_FALSE(GlobMatch("a?c", "abbc"));
  EXPECT_TRUE(GlobMatch("*widget*", "the widget broke"));
}

TEST(ScrubStepTest, SecretsCardsAndUrls) {
  ProjectSettings s;
  s.scrub_keys = {"ssn_last4"};
  Event e;
  e.url = "https://shop.example.com/reset?token=abc123&step=2#x";
  e.referrer = "https://shop.example.com/?q=shoes";
  e.data = R"({"props":{"password":"hunter2","Authorization":"Bearer x","plan":"pro","nested":{"api_key":"k","n":1}},)"
           R"("breadcrumbs":[{"msg":"card 4111 1111 1111 1111 used"},{"card":"4111-1111-1111-1111"},{"url":"/api?session=s1&x=1"}],)"
           R"("ssn_last4":"1234","order":"12345678901234","count":3,"cookie":null})";
  int n = ScrubStep::ScrubEvent(&e, s);
  EXPECT_EQ(e.url, "https://shop.example.com/reset?token=[Filtered]&step=2#x");
  EXPECT_EQ(e.referrer, "https://shop.example.com/?q=shoes");
  for (const char* gone : {"hunter2", "Bearer x", "\"k\"", "4111-1111-1111-1111", "session=s1", "\"1234\""}) {
    EXPECT_EQ(e.data.find(gone), std::string::npos) << gone << " in " << e.data;
  }
  for (const char* kept : {"\"plan\":\"pro\"", "\"n\":1", "card 4111 1111 1111 1111 used", "\"order\":\"12345678901234\"",
                           "x=1", "\"count\":3", "\"cookie\":null"}) {
    EXPECT_NE(e.data.find(kept), std::string::npos) << kept << " missing from " << e.data;
  }
  EXPECT_EQ(n, 7) << e.data;  // url token, password, Authorization, api_key, card, session=, ssn_last4
  // Card detection: Luhn, lengths, separators.
  EXPECT_TRUE(ScrubStep::LooksLikeCardNumber("4111111111111111"));
  EXPECT_TRUE(ScrubStep::LooksLikeCardNumber("5500 0000 0000 0004"));
  EXPECT_FALSE(ScrubStep::LooksLikeCardNumber("4111111111111112"));  // Luhn fails
  EXPECT_FALSE(ScrubStep::LooksLikeCardNumber("411111111111"));      // too short
  // Nothing suspicious: untouched, byte for byte.
  Event clean;
  clean.data = R"({"props":{"plan":"pro"},"n":[1,2]})";
  EXPECT_EQ(ScrubStep::ScrubEvent(&clean, s), 0);
  EXPECT_EQ(clean.data, R"({"props":{"plan":"pro"},"n":[1,2]})");
  // Defaults off: only the project's own keys.
  ProjectSettings off;
  off.scrub_defaults = false;
  off.scrub_keys = {"secret_sauce"};
  Event e2;
  e2.data = R"({"password":"p","secret_sauce":"s"})";
  ScrubStep::ScrubEvent(&e2, off);
  EXPECT_EQ(e2.data, R"({"password":"p","secret_sauce":"[Filtered]"})");
  // Extra keys match in any case, inside longer keys; keys longer than any buffer still count.
  ProjectSettings mixed;
  mixed.scrub_keys = {"SSN_Last4"};
  Event e3;
  const std::string long_key = std::string(300, 'a') + "Token";
  e3.data = R"({"X_ssn_LAST4_y":"9","keep":"ok",")" + long_key + R"(":"t"})";
  e3.url = "https://shop.example.com/a?utm_source=news&Ssn_last4=9";
  EXPECT_EQ(ScrubStep::ScrubEvent(&e3, mixed), 3) << e3.data;
  EXPECT_EQ(e3.data, R"({"X_ssn_LAST4_y":"[Filtered]","keep":"ok",")" + long_key + R"(":"[Filtered]"})");
  EXPECT_EQ(e3.url, "https://shop.example.com/a?utm_source=news&Ssn_last4=[Filtered]");
}

// The raw-text pre-check must let every secret word through, in any case and at any position
// (each event holds exactly one suspicious thing, so a miss shows up as an unscrubbed value).
TEST(ScrubStepTest, EverySecretWordAloneAnywhere) {
  ProjectSettings s;
  for (const char* key : {"password", "Passwd", "client_SECRET", "csrfToken", "api_key", "ApiKey", "Authorization",
                          "set-cookie", "X-CSRF", "xsrf", "credit_card", "card_number", "CardNumber", "cvv", "CVC",
                          "ssn", "private_key", "pwd", "Auth", "session", "SessionId"}) {
    for (bool at_end : {false, true}) {
      Event e;
      e.data = at_end ? std::string(R"({"a":1,"b":[2,3],")") + key + R"(":"v"})"
                      : std::string(R"({")") + key + R"(":"v","a":1,"b":[2,3]})";
      EXPECT_EQ(ScrubStep::ScrubEvent(&e, s), 1) << key << (at_end ? " at the end" : " first");
      EXPECT_EQ(e.data.find("\"v\""), std::string::npos) << e.data;
    }
  }
  Event card;
  card.data = R"({"note":"4111111111111111"})";
  EXPECT_EQ(ScrubStep::ScrubEvent(&card, s), 1) << card.data;
  Event spaced;
  spaced.data = R"({"n":"5500 0000 0000 0004"})";
  EXPECT_EQ(ScrubStep::ScrubEvent(&spaced, s), 1) << spaced.data;
}

TEST(QuotaTest, DailyAndGlobalCaps) {
  int64_t now = 86400000LL * 20000 + 3600000;  // 01:00 UTC
  TokenBucketLimiter limiter([](int64_t id) { return BucketSpec{1000, 1000, id == 1 ? 50 : 0}; }, [&] { return now; },
                             BucketSpec{100, 100, 0});
  EXPECT_TRUE(limiter.Acquire(1, 40).allowed);
  RateDecision d = limiter.Acquire(1, 20);  // 60 > daily 50
  EXPECT_FALSE(d.allowed);
  EXPECT_STREQ(d.reason, "daily");
  EXPECT_EQ(d.retry_after_s, 23 * 3600);  // until midnight UTC
  EXPECT_TRUE(limiter.Acquire(1, 10).allowed);  // exactly 50
  // Global cap: 100 tokens over all projects; 50 already used by project 1.
  EXPECT_TRUE(limiter.Acquire(2, 50).allowed);
  d = limiter.Acquire(3, 10);
  EXPECT_FALSE(d.allowed);
  EXPECT_STREQ(d.reason, "global");
  // A refused request must not consume the project's own tokens: project 3 has its full burst
  // back once the node refills.
  now += 1000;
  EXPECT_TRUE(limiter.Acquire(3, 100).allowed);
  // Next day the daily cap resets.
  now += 86400000;
  EXPECT_TRUE(limiter.Acquire(1, 50).allowed);
}

TEST(EnrichStepTest, LegacyBrowsers) {
  EXPECT_TRUE(IsLegacyBrowser("IE", "11"));
  EXPECT_TRUE(IsLegacyBrowser("Chrome", "49"));
  EXPECT_FALSE(IsLegacyBrowser("Chrome", "131"));
  EXPECT_TRUE(IsLegacyBrowser("Mobile Safari", "10"));
  EXPECT_FALSE(IsLegacyBrowser("Mobile Safari", "17"));
  EXPECT_FALSE(IsLegacyBrowser("Other", ""));
}

}  // namespace
}  // namespace vigil
