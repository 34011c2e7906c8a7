// Small units: token bucket, origin matching, URL paths, JSON escaping, event codec, router.
#include <gtest/gtest.h>

#include "common/event.h"
#include "common/json_writer.h"
#include "http/router.h"
#include "ingest/project_cache.h"
#include "rollup/rollup_views.h"
#include "store/memory/token_bucket_limiter.h"

namespace vigil {
namespace {

TEST(TokenBucketTest, BurstThenRefillAndRetryAfter) {
  int64_t now = 1000000;
  TokenBucketLimiter limiter([](int64_t id) { return id == 2 ? BucketSpec{0, 0} : BucketSpec{10, 20}; },
                             [&] { return now; });
  EXPECT_TRUE(limiter.Acquire(1, 20).allowed);  // the whole burst
  RateDecision d = limiter.Acquire(1, 5);
  EXPECT_FALSE(d.allowed);
  EXPECT_EQ(d.retry_after_s, 1);  // 5 tokens at 10/s
  now += 500;                     // +5 tokens
  EXPECT_TRUE(limiter.Acquire(1, 5).allowed);
  EXPECT_FALSE(limiter.Acquire(1, 1).allowed);
  now += 10000;  // refill caps at the burst
  EXPECT_TRUE(limiter.Acquire(1, 20).allowed);
  EXPECT_FALSE(limiter.Acquire(1, 1).allowed);
  // A request larger than the burst never passes; it is told to wait for a full bucket.
  now += 10000;
  d = limiter.Acquire(1, 50);
  EXPECT_FALSE(d.allowed);
  EXPECT_EQ(d.retry_after_s, 1);  // bucket is full (20) so min(50,20)-20 = 0 -> at least 1
  // Unlimited projects always pass; buckets are per project.
  for (int i = 0; i < 1000; ++i) ASSERT_TRUE(limiter.Acquire(2, 1000).allowed);
  EXPECT_TRUE(limiter.Acquire(3, 20).allowed);
}

TEST(OriginTest, Patterns) {
  struct Case {
    std::vector<std::string> allowed;
    std::string origin;
    bool ok;
  } cases[] = {
      {{}, "https://evil.example", true},
      {{"*"}, "https://a.b", true},
      {{"https://shop.example.com"}, "https://shop.example.com", true},
      {{"https://shop.example.com"}, "http://shop.example.com", false},
      {{"https://shop.example.com"}, "https://shop.example.com.evil.io", false},
      {{"*.example.com"}, "https://a.example.com", true},
      {{"*.example.com"}, "https://example.com", false},
      {{"*.example.com"}, "https://evilexample.com", false},
      {{"https://*.example.com"}, "http://a.example.com", false},
      {{"https://*.example.com"}, "https://deep.a.example.com", true},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(OriginAllowed(c.allowed, c.origin), c.ok) << c.origin << " vs " << (c.allowed.empty() ? "" : c.allowed[0]);
  }
}

TEST(UrlPathTest, Table) {
  std::pair<std::string, std::string> cases[] = {
      {"https://a.com/x/y?z=1#h", "/x/y"}, {"https://a.com", "/"},       {"https://a.com?q", "/"},
      {"/rel/path?x", "/rel/path"},        {"", "/"},                    {"https://a.com/#/spa", "/"},
      {"http://h:8080/a/b/", "/a/b/"},     {"app://local/index", "/index"},
  };
  for (const auto& [url, path] : cases) EXPECT_EQ(UrlPath(url), path) << url;
}

TEST(JsonWriterTest, EscapesForHtmlAndControlChars) {
  std::string out;
  JsonWriter w(&out);
  w.BeginObject().Field("m", std::string_view("<img src=x onerror=alert(1)>\"\\\n\x01&\xe2\x80\xa8")).EndObject();
  EXPECT_EQ(out, "{\"m\":\"\\u003cimg src=x onerror=alert(1)\\u003e\\\"\\\\\\n\\u0001\\u0026\\u2028\"}");
}

TEST(EventCodecTest, RoundTrip) {
  NormalizedBatch b;
  b.project_id = 3;
  b.received_at = 123;
  b.client_ip = "10.0.0.1";
  b.user_agent = "Mozilla/5.0 \"quoted\"";
  Event e;
  e.project_id = 3;
  e.event_id = "abcdef0123456789";
  e.ts = 100;
  e.received_at = 123;
  e.type = EventType::kHttp;
  e.name = "POST";
  e.value = 1.5;
  e.status = 404;
  e.url = "https://a/b";
  e.path = "/b";
  e.message = "ünïcödé <tag>";
  e.data = "{\"k\":[1,{\"x\":null}]}";
  b.events.push_back(e);
  Event e2;
  e2.event_id = "second_event";
  e2.type = EventType::kSession;
  b.events.push_back(e2);
  NormalizedBatch back;
  std::string err;
  ASSERT_TRUE(DecodeBatch(EncodeBatch(b), &back, &err)) << err;
  EXPECT_EQ(back.project_id, 3);
  EXPECT_EQ(back.user_agent, b.user_agent);
  ASSERT_EQ(back.events.size(), 2u);
  EXPECT_EQ(back.events[0].message, e.message);
  EXPECT_EQ(back.events[0].data, e.data);
  EXPECT_EQ(*back.events[0].status, 404);
  EXPECT_DOUBLE_EQ(*back.events[0].value, 1.5);
  EXPECT_FALSE(back.events[0].duration.has_value());
  EXPECT_EQ(back.events[1].type, EventType::kSession);
  EXPECT_FALSE(back.events[1].value.has_value());
}

TEST(RollupViewsTest, PicksTheSmallestCoveringView) {
  struct Case {
    std::vector<RollupDim> used;
    std::string view;  // "" = unsupported
  } cases[] = {
      {{}, "totals"},
      {{RollupDim::kType, RollupDim::kName}, "totals"},
      {{RollupDim::kBrowser}, "client"},
      {{RollupDim::kRelease, RollupDim::kOs}, "client"},
      {{RollupDim::kPath}, "page"},
      {{RollupDim::kPath, RollupDim::kRelease}, "page"},
      {{RollupDim::kCountry, RollupDim::kEnvironment}, "geo"},
      {{RollupDim::kPath, RollupDim::kBrowser}, ""},
      {{RollupDim::kCountry, RollupDim::kPath}, ""},
  };
  for (const auto& c : cases) {
    RollupQuery q;
    for (RollupDim d : c.used) q.filters.push_back(RollupFilter{d, {"x"}});
    Status s = SelectRollupView(&q);
    EXPECT_EQ(s.ok(), !c.view.empty()) << c.view;
    if (!s.ok()) {
      EXPECT_EQ(s.code(), "unsupported_filters");
      continue;
    }
    const RollupView* chosen = nullptr;
    for (const auto& v : RollupViews()) {
      if (v.name == c.view) chosen = &v;
    }
    ASSERT_NE(chosen, nullptr);
    // Every dimension the view does not keep is pinned to its marker.
    for (size_t i = 0; i < kRollupDimCount; ++i) {
      bool pinned = false;
      for (const auto& f : q.filters) pinned |= static_cast<size_t>(f.dim) == i && f.values[0] == chosen->all_values;
      EXPECT_EQ(pinned, !chosen->keeps[i]) << c.view << " dim " << i;
    }
  }
}

TEST(RouterTest, MatchesPatternsAndMethods) {
  Router r;
  int hit = 0;
  r.Add("POST", "/api/:project/events", [&](const HttpRequest&, const RouteParams&, Responder) { hit = 1; });
  r.Add("GET", "/api/v1/projects/:project/events", [&](const HttpRequest&, const RouteParams&, Responder) { hit = 2; });
  RouteParams p;
  std::string pattern;
  bool path_matched;
  const Handler* h = r.Match("POST", "/api/42/events", &p, &pattern, &path_matched);
  ASSERT_NE(h, nullptr);
  EXPECT_EQ(p.Get("project"), "42");
  EXPECT_EQ(pattern, "/api/:project/events");
  EXPECT_EQ(r.Match("GET", "/api/42/events", &p, &pattern, &path_matched), nullptr);
  EXPECT_TRUE(path_matched);  // -> 405
  EXPECT_EQ(r.Match("GET", "/nope", &p, &pattern, &path_matched), nullptr);
  EXPECT_FALSE(path_matched);  // -> 404
}

}  // namespace
}  // namespace vigil
