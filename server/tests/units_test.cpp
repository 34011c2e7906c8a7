// Small units: token bucket, origin matching, URL paths, JSON escaping, event codec, router.
#include <gtest/gtest.h>
#include <zstd.h>

#include "common/event.h"
#include "common/json_dom.h"
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

// Parsed JSON written back: compact, numbers exact, strings escaped like JsonWriter (HTML-safe),
// and it parses again to the same document.
TEST(JsonDomTest, WritesElementsBack) {
  simdjson::dom::parser parser;
  std::string in = R"( { "s" : "a\"b\\c\n\u0001<x>&\u2028é" , "i" : -9223372036854775808 , "u" : 18446744073709551615 ,)"
                   R"( "d" : 12.5 , "e" : 1e-7 , "big" : 1.7976931348623157e308 , "t" : true , "f" : false , "n" : null ,)"
                   R"( "a" : [ 1 , [ ] , { } , "" ] } )";
  simdjson::dom::element root;
  ASSERT_EQ(parser.parse(in).get(root), simdjson::SUCCESS);
  std::string out = ElementJson(root);
  EXPECT_EQ(out, "{\"s\":\"a\\\"b\\\\c\\n\\u0001\\u003cx\\u003e\\u0026\\u2028\xc3\xa9\",\"i\":-9223372036854775808,"
                 "\"u\":18446744073709551615,\"d\":12.5,\"e\":1e-07,\"big\":1.7976931348623157e+308,\"t\":true,"
                 "\"f\":false,\"n\":null,\"a\":[1,[],{},\"\"]}");
  simdjson::dom::parser again;
  simdjson::dom::element back;
  ASSERT_EQ(again.parse(out).get(back), simdjson::SUCCESS);
  EXPECT_EQ(ElementJson(back), out);
  EXPECT_EQ(std::string_view(back["s"]), "a\"b\\c\n\x01<x>&\xe2\x80\xa8\xc3\xa9");
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

// Every field survives the binary record, including values that differ from the batch's.
TEST(EventCodecTest, EveryFieldRoundTrips) {
  NormalizedBatch b;
  b.project_id = 7;
  b.received_at = 1795400000123;
  b.client_ip = "2001:db8::1";
  b.user_agent = "UA";
  b.client_hints = {{"sec-ch-ua", "\"Chromium\";v=\"131\""}, {"sec-ch-ua-mobile", "?0"}};
  Event e;
  e.project_id = 8;
  e.received_at = -5;
  e.event_id = "evt_0123456789";
  e.ts = 1795400000000;
  e.type = EventType::kError;
  e.value = -0.25;
  e.duration = 1e300;
  e.status = -1;
  e.issue_id = 1LL << 40;
  e.data = R"({"frames":[{"f":"a.js"}]})";
  std::string Event::*const kStrings[] = {&Event::name, &Event::uid, &Event::sid, &Event::release,
                                          &Event::environment, &Event::url, &Event::path, &Event::referrer,
                                          &Event::browser, &Event::browser_version, &Event::os, &Event::os_version,
                                          &Event::device, &Event::country, &Event::region, &Event::city,
                                          &Event::fingerprint, &Event::level, &Event::message};
  int i = 0;
  for (auto f : kStrings) {
    ++i;
    e.*f = "field" + std::to_string(i) + std::string(i * 7, 'x');
  }
  b.events.push_back(e);
  NormalizedBatch back;
  std::string err;
  std::string record = EncodeBatch(b);
  ASSERT_TRUE(DecodeBatch(record, &back, &err)) << err;
  EXPECT_EQ(back.client_ip, b.client_ip);
  EXPECT_EQ(back.client_hints, b.client_hints);
  ASSERT_EQ(back.events.size(), 1u);
  const Event& r = back.events[0];
  EXPECT_EQ(r.project_id, 8);
  EXPECT_EQ(r.received_at, -5);
  EXPECT_EQ(r.ts, e.ts);
  EXPECT_EQ(r.type, EventType::kError);
  EXPECT_EQ(*r.value, -0.25);
  EXPECT_EQ(*r.duration, 1e300);
  EXPECT_EQ(*r.status, -1);
  EXPECT_EQ(r.issue_id, 1LL << 40);
  EXPECT_EQ(r.data, e.data);
  for (auto f : kStrings) {
    EXPECT_EQ(r.*f, e.*f);
  }
  // Every truncation and a trailing byte are refused with a reason, never misread.
  for (size_t n = 0; n < record.size(); ++n) {
    EXPECT_FALSE(DecodeBatch(std::string_view(record).substr(0, n), &back, &err)) << n;
    EXPECT_FALSE(err.empty());
  }
  EXPECT_FALSE(DecodeBatch(record + "x", &back, &err));
  EXPECT_FALSE(DecodeBatch("\x07garbage", &back, &err));
  EXPECT_NE(err.find("version"), std::string::npos) << err;
  // Decoding over events left from a fuller record (the Processor reuses them) leaves nothing of
  // theirs behind: every field is the sparse record's, as in a fresh decode.
  NormalizedBatch sparse;
  sparse.project_id = 7;
  sparse.received_at = 5;
  Event minimal;
  minimal.project_id = 7;
  minimal.received_at = 5;
  minimal.event_id = "evt_minimal";
  minimal.ts = 4;
  minimal.type = EventType::kPageview;
  sparse.events = {minimal, minimal};
  NormalizedBatch reused;
  ASSERT_TRUE(DecodeBatch(record, &reused, &err)) << err;
  reused.events.push_back(reused.events[0]);  // two full events to decode over
  ASSERT_TRUE(DecodeBatch(EncodeBatch(sparse), &reused, &err)) << err;
  ASSERT_EQ(reused.events.size(), 2u);
  for (const Event& x : reused.events) {
    EXPECT_EQ(x.event_id, "evt_minimal");
    EXPECT_EQ(x.project_id, 7);
    EXPECT_EQ(x.received_at, 5);
    EXPECT_EQ(x.type, EventType::kPageview);
    EXPECT_FALSE(x.value || x.duration || x.status);
    EXPECT_EQ(x.issue_id, 0);
    EXPECT_EQ(x.data, "{}");
    for (auto f : kStrings) EXPECT_EQ(x.*f, "") << x.*f;
  }
}

// Records written by earlier servers (compact JSON) are still read after an upgrade.
TEST(EventCodecTest, ReadsVersionZeroJsonRecords) {
  std::string v0 =
      R"({"project_id":2,"received_at":1000,"client_ip":"1.2.3.4","user_agent":"UA","events":[)"
      R"({"event_id":"old_event_1","ts":900,"type":"vital","name":"LCP","value":2400.5,"path":"/a",)"
      R"("data":{"rating":"good"}}]})";
  NormalizedBatch back;
  std::string err;
  ASSERT_TRUE(DecodeBatch(v0, &back, &err)) << err;
  EXPECT_EQ(back.project_id, 2);
  ASSERT_EQ(back.events.size(), 1u);
  EXPECT_EQ(back.events[0].event_id, "old_event_1");
  EXPECT_EQ(back.events[0].type, EventType::kVital);
  EXPECT_EQ(back.events[0].received_at, 1000);
  EXPECT_EQ(*back.events[0].value, 2400.5);
  EXPECT_EQ(back.events[0].data, R"({"rating":"good"})");
}

// A batch of realistic size is stored zstd-compressed (version 2) and reads back identical; a
// small one stays an uncompressed version 1 record, which is also what older servers wrote.
TEST(EventCodecTest, CompressesBatchesOfRealisticSize) {
  NormalizedBatch b;
  b.project_id = 4;
  b.received_at = 1795400000000;
  b.client_ip = "203.0.113.9";
  b.user_agent = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36";
  for (int i = 0; i < 20; ++i) {
    Event e;
    e.project_id = 4;
    e.received_at = b.received_at;
    e.event_id = "evt_" + std::to_string(1000 + i);
    e.ts = b.received_at - i;
    e.type = i % 2 ? EventType::kVital : EventType::kPageview;
    e.name = i % 2 ? "LCP" : "";
    if (i % 2) e.value = 1200 + i;
    e.uid = "u_4f1c2a9d8e7b";
    e.sid = "s_9a8b7c6d5e4f";
    e.release = "shop@1.4.2";
    e.url = "https://shop.example/products/" + std::to_string(i);
    e.path = "/products/:id";
    e.data = R"({"rating":"good","navigationType":"navigate","attribution":{"element":"img.hero"}})";
    b.events.push_back(e);
  }
  std::string record = EncodeBatch(b);
  ASSERT_FALSE(record.empty());
  EXPECT_EQ(record[0], 2) << "a 20-event batch is compressed";
  NormalizedBatch plain = b;
  plain.events.resize(1);
  plain.events[0].data = "{}";
  plain.user_agent.clear();
  size_t all_plain = 0;
  for (const Event& e : b.events) all_plain += e.data.size() + e.url.size() + e.uid.size() + e.sid.size() + e.release.size();
  EXPECT_LT(record.size() * 3, all_plain) << "compression should at least third this batch";
  NormalizedBatch back;
  std::string err;
  ASSERT_TRUE(DecodeBatch(record, &back, &err)) << err;
  ASSERT_EQ(back.events.size(), b.events.size());
  for (size_t i = 0; i < b.events.size(); ++i) {
    EXPECT_EQ(back.events[i].event_id, b.events[i].event_id);
    EXPECT_EQ(back.events[i].url, b.events[i].url);
    EXPECT_EQ(back.events[i].data, b.events[i].data);
    EXPECT_EQ(back.events[i].value, b.events[i].value);
  }
  EXPECT_EQ(back.user_agent, b.user_agent);

  std::string small = EncodeBatch(plain);
  EXPECT_EQ(small[0], 1) << "a small record is not worth compressing";
  ASSERT_TRUE(DecodeBatch(small, &back, &err)) << err;
  EXPECT_EQ(back.events[0].event_id, "evt_1000");

  // A compressed record must hold a version 1 record, and a frame may not claim a huge size.
  std::string json = R"({"project_id":4,"events":[]})";
  std::string frame(ZSTD_compressBound(json.size()), '\0');
  frame.resize(ZSTD_compress(frame.data(), frame.size(), json.data(), json.size(), 1));
  EXPECT_FALSE(DecodeBatch("\x02" + frame, &back, &err));
  EXPECT_NE(err.find("version 1"), std::string::npos) << err;
  // zstd magic, a single-segment frame header with an 8-byte content size of 1 TiB.
  std::string bogus("\x02\x28\xb5\x2f\xfd\xe0\x00\x00\x00\x00\x00\x01\x00\x00", 14);
  EXPECT_FALSE(DecodeBatch(bogus, &back, &err));
  EXPECT_NE(err.find("compressed"), std::string::npos) << err;
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
